// SPDX-License-Identifier: MIT
/*
 * Soak across harts (suite "smp_soak"): one worker thread pinned to every
 * online hart makes random kmalloc, kzalloc, kmalloc_aligned, krealloc and
 * kfree calls and frame_alloc/frame_free calls at once, so the per-hart
 * magazines, their refills and overflows and the shared heap and frame locks
 * all see concurrent use. Workers hand blocks to each other through a shared
 * exchange, so blocks allocated on one hart are resized and freed on another
 * (and land in that hart's magazine). Every block carries a pattern of its
 * generation, checked when it changes hands, before it is resized or freed,
 * and in each worker's periodic sweep; each worker runs kheap_validate and
 * frame_validate every SSOAK_VALIDATE_EVERY operations while the others keep
 * going. At the end, with everything freed and the magazines drained (cached
 * blocks keep padding counted as used until then, see test_soak.c), every
 * heap and frame counter is back at its start, less the heap's growth, which
 * is accounted exactly.
 *
 * smp_soak.short always runs (a couple of seconds of QEMU); smp_soak.long
 * runs CONFIG_KTEST_SOAK_OPS operations in all with CONFIG_KTEST_SOAK.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/spinlock.h>
#include <bora/string.h>

#include "sched_util.h"
#include "smp_util.h"

#define SSOAK_SLOTS          24
#define SSOAK_FRAME_SLOTS    6
#define SSOAK_EXCHANGE       16
#define SSOAK_VALIDATE_EVERY 200
#define SSOAK_SHORT_OPS      4000 /* in all, split over the workers */

struct ssoak_block {
	uint8_t *p;
	size_t size;
	uint32_t gen; /* seeds the pattern; unique per (worker, allocation) */
};

struct ssoak_frames {
	uintptr_t va;
	size_t count;
};

struct ssoak_worker {
	unsigned int hart;
	unsigned long ops;
	uint64_t rng;
	uint32_t gen;
	int fail_line; /* the first failed check's line, 0 while all is well */
	unsigned long allocs, frees, reallocs, frame_ops, handed, failed;
	struct ssoak_block blk[SSOAK_SLOTS];
	struct ssoak_frames fr[SSOAK_FRAME_SLOTS];
};

/* Blocks in transit between workers. */
static struct {
	spinlock_t lock;
	struct ssoak_block slot[SSOAK_EXCHANGE];
} exchange = {.lock = SPINLOCK_INIT};

static struct ssoak_worker workers[CONFIG_MAX_HARTS];

/* Records the line and returns false from the calling helper. */
#define SSOAK_CHECK(w, cond)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			if (!(w)->fail_line)                                                       \
				(w)->fail_line = __LINE__;                                         \
			return false;                                                              \
		}                                                                                  \
	} while (0)

/* xorshift64 (Marsaglia 2003): each worker's sequence is fixed by its seed. */
static size_t below(struct ssoak_worker *w, size_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (size_t)(w->rng % n);
}

static uint8_t pattern(uint32_t gen, size_t i)
{
	return (uint8_t)(gen * 0x9e3779b1u + i * 131u + (i >> 8));
}

static void fill(const struct ssoak_block *b, size_t from)
{
	for (size_t i = from; i < b->size; i++)
		b->p[i] = pattern(b->gen, i);
}

static bool intact(const struct ssoak_block *b, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (b->p[i] != pattern(b->gen, i))
			return false;
	return true;
}

/* Mostly the magazines' classes (16..256), some larger, a few beyond the temporary heap. */
static size_t pick_size(struct ssoak_worker *w)
{
	size_t c = below(w, 1000);

	if (c < 700)
		return 1 + below(w, 256);
	if (c < 950)
		return 1 + below(w, 2048);
	if (c < 997)
		return 1 + below(w, 8192);
	return (size_t)CONFIG_HEAP_SIZE / 4 + below(w, (size_t)CONFIG_HEAP_SIZE);
}

static uint32_t next_gen(struct ssoak_worker *w)
{
	return (uint32_t)(w - workers) << 24 | (++w->gen & 0xffffff);
}

static bool do_alloc(struct ssoak_worker *w, struct ssoak_block *b)
{
	size_t kind = below(w, 10), align = (size_t)16 << below(w, 8);

	b->size = pick_size(w);
	if (kind < 7) {
		b->p = kmalloc(b->size);
	} else if (kind < 8) {
		b->p = kmalloc_aligned(b->size, align);
		SSOAK_CHECK(w, !b->p || IS_ALIGNED((uintptr_t)b->p, align));
	} else {
		b->p = kzalloc(b->size);
		for (size_t i = 0; b->p && i < b->size; i++)
			SSOAK_CHECK(w, b->p[i] == 0);
	}
	if (!b->p) {
		w->failed++;
		return true;
	}
	SSOAK_CHECK(w, kheap_usable_size(kmalloc_heap(), b->p) >= b->size);
	b->gen = next_gen(w);
	fill(b, 0);
	w->allocs++;
	return true;
}

static bool do_free(struct ssoak_worker *w, struct ssoak_block *b)
{
	SSOAK_CHECK(w, intact(b, b->size));
	kfree(b->p);
	b->p = NULL;
	w->frees++;
	return true;
}

static bool do_realloc(struct ssoak_worker *w, struct ssoak_block *b)
{
	size_t old = b->size, size = below(w, 2) ? 1 + below(w, old) : pick_size(w);
	size_t keep = MIN(size, old);
	uint8_t *q = krealloc(b->p, size);

	if (!q) {
		SSOAK_CHECK(w, size > old && intact(b, old)); /* a failed grow keeps the block */
		w->failed++;
		return true;
	}
	b->p = q;
	SSOAK_CHECK(w, intact(b, keep));
	b->size = kheap_usable_size(kmalloc_heap(), q);
	SSOAK_CHECK(w, b->size >= size);
	fill(b, keep);
	w->reallocs++;
	return true;
}

/* Swap a slot's block with a slot of the exchange; a block taken over is checked first. */
static bool do_hand_over(struct ssoak_worker *w, struct ssoak_block *b)
{
	struct ssoak_block *x = &exchange.slot[below(w, SSOAK_EXCHANGE)], t;
	unsigned long flags = spin_lock_irqsave(&exchange.lock);

	t = *x;
	*x = *b;
	*b = t;
	spin_unlock_irqrestore(&exchange.lock, flags);
	SSOAK_CHECK(w, !b->p || intact(b, b->size));
	w->handed++;
	return true;
}

static bool free_frames(struct ssoak_worker *w, struct ssoak_frames *f)
{
	for (size_t i = 0; i < f->count; i++)
		SSOAK_CHECK(w, *(uint64_t *)(f->va + i * PAGE_SIZE) == f->va + i);
	SSOAK_CHECK(w, frame_free(f->va, f->count) == 0);
	f->count = 0;
	return true;
}

/* Mostly single frames (the frame magazines), sometimes a few aligned ones. */
static bool do_frames(struct ssoak_worker *w)
{
	struct ssoak_frames *f = &w->fr[below(w, SSOAK_FRAME_SLOTS)];
	bool one = below(w, 4) != 0;
	size_t count = one ? 1 : 2 + below(w, 7);
	size_t align = one ? PAGE_SIZE : PAGE_SIZE << below(w, 4);
	int err;

	w->frame_ops++;
	if (f->count)
		return free_frames(w, f);
	err = frame_alloc(count, align, &f->va);
	SSOAK_CHECK(w, err == 0 || err == -ENOMEM);
	if (err) {
		w->failed++;
		return true;
	}
	f->count = count;
	for (size_t i = 0; i < count; i++)
		*(uint64_t *)(f->va + i * PAGE_SIZE) = f->va + i;
	return true;
}

static bool sweep(struct ssoak_worker *w)
{
	char why[96];

	SSOAK_CHECK(w, kheap_validate(kmalloc_heap(), why, sizeof(why)) == 0);
	SSOAK_CHECK(w, frame_validate(why, sizeof(why)) == 0);
	for (size_t i = 0; i < SSOAK_SLOTS; i++)
		SSOAK_CHECK(w, !w->blk[i].p || intact(&w->blk[i], w->blk[i].size));
	return true;
}

static bool release_all(struct ssoak_worker *w)
{
	for (size_t i = 0; i < SSOAK_SLOTS; i++)
		if (w->blk[i].p && !do_free(w, &w->blk[i]))
			return false;
	for (size_t i = 0; i < SSOAK_FRAME_SLOTS; i++)
		if (w->fr[i].count && !free_frames(w, &w->fr[i]))
			return false;
	return true;
}

static void ssoak_worker(void *arg)
{
	struct ssoak_worker *w = arg;

	for (unsigned long op = 1; op <= w->ops && !w->fail_line; op++) {
		struct ssoak_block *b = &w->blk[below(w, SSOAK_SLOTS)];
		size_t c = below(w, 32);

		if (smp_this_hart() != w->hart && !w->fail_line)
			w->fail_line = __LINE__; /* pinned: never anywhere else */
		if (c < 4)
			do_frames(w);
		else if (c < 6)
			do_hand_over(w, b);
		else if (!b->p)
			do_alloc(w, b);
		else if (c < 12)
			do_realloc(w, b);
		else
			do_free(w, b);
		if (op % SSOAK_VALIDATE_EVERY == 0) {
			sweep(w);
			if (below(w, 4) == 0)
				thread_yield();
		}
	}
	if (!w->fail_line)
		release_all(w);
}

static void ssoak_run(struct ktest_ctx *ktest_ctx__, unsigned long total_ops, uint64_t seed)
{
	struct kheap *h = kmalloc_heap();
	struct page_alloc_stats f0, f1;
	struct kheap_stats h0, h1;
	struct thread *t[CONFIG_MAX_HARTS];
	unsigned int n = smp_online_count();
	size_t regions0 = h->nregions, grown = 0;
	unsigned long allocs = 0, frees = 0, reallocs = 0, frame_ops = 0, handed = 0, failed = 0;
	char why[96];

	frame_drain_caches();
	kheap_drain_caches(h);
	kheap_stats(h, &h0);
	frame_stats(&f0);
	memset(&exchange.slot, 0, sizeof(exchange.slot));
	for (unsigned int i = 0; i < n; i++) {
		workers[i] = (struct ssoak_worker){.hart = smp_nth_online(i),
		                                   .ops = total_ops / n,
		                                   .rng = seed + i * 0x9e3779b97f4a7c15ULL};
		KTEST_ASSERT_EQ(ktest_thread_create_on(&t[i], ssoak_worker, &workers[i],
		                                       BELOW_MAIN(1), 0, "smp-soak",
		                                       hart_bit(workers[i].hart)),
		                0);
	}
	for (unsigned int i = 0; i < n; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct ssoak_worker *w = &workers[i];

		KTEST_ASSERT_EQ(w->fail_line, 0);
		allocs += w->allocs;
		frees += w->frees;
		reallocs += w->reallocs;
		frame_ops += w->frame_ops;
		handed += w->handed;
		failed += w->failed;
	}
	/* What is left in transit: checked and freed here, on the boot hart. */
	for (unsigned int i = 0; i < SSOAK_EXCHANGE; i++) {
		struct ssoak_block *b = &exchange.slot[i];

		if (!b->p)
			continue;
		KTEST_ASSERT(intact(b, b->size));
		kfree(b->p);
		b->p = NULL;
		frees++;
	}
	if (h->flags & KHEAP_DEBUG)
		KTEST_ASSERT_EQ(kheap_flush_quarantine(h), 0);
	KTEST_ASSERT_EQ(kheap_validate(h, why, sizeof(why)), 0);
	KTEST_ASSERT_EQ(frame_validate(why, sizeof(why)), 0);
	frame_drain_caches();
	kheap_drain_caches(h);
	kheap_stats(h, &h1);
	frame_stats(&f1);
	for (size_t i = regions0; i < h->nregions; i++)
		grown += h->regions[i].size;
	printk("smp_soak: %u harts, %lu ops: %lu allocs, %lu frees, %lu reallocs, %lu frame ops, "
	       "%lu handed over, %lu failed; heap grew by %lu KiB\n",
	       n, total_ops / n * n, allocs, frees, reallocs, frame_ops, handed, failed,
	       (unsigned long)(grown / 1024));
	KTEST_ASSERT_EQ(frees, allocs);
	KTEST_ASSERT_EQ(h1.cached_blocks, 0);
	KTEST_ASSERT_EQ(f1.cached_pages, 0);
	KTEST_ASSERT_EQ(h1.used, h0.used);
	KTEST_ASSERT_EQ(h1.requested, h0.requested);
	KTEST_ASSERT_EQ(h1.live_allocs, h0.live_allocs);
	KTEST_ASSERT_EQ(h1.errors, h0.errors);
	KTEST_ASSERT(h1.total_allocs >= h0.total_allocs + allocs);
	KTEST_ASSERT_EQ(h1.regions_added - h0.regions_added, h->nregions - regions0);
	KTEST_ASSERT_EQ(f1.used_pages, f0.used_pages + grown / PAGE_SIZE);
	KTEST_ASSERT_EQ(f1.available_pages + grown / PAGE_SIZE, f0.available_pages);
}

KTEST(smp_soak, short)
{
	ssoak_run(ktest_ctx__, SSOAK_SHORT_OPS, 0x5a0c5a0cULL);
}

#ifdef CONFIG_KTEST_SOAK
KTEST(smp_soak, long)
{
	ssoak_run(ktest_ctx__, CONFIG_KTEST_SOAK_OPS, 0x10a65a0cULL);
}
#endif
