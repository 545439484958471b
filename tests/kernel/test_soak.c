// SPDX-License-Identifier: MIT
/*
 * Soak: random kmalloc, kzalloc, kmalloc_aligned, krealloc and kfree calls
 * across sizes and alignments, interleaved with frame_alloc/frame_free, on the
 * real kernel heap and frame allocator. Every block carries a pattern derived
 * from its slot and generation, checked before it is freed or resized and in
 * full sweeps; the heap and frame validators run every SOAK_VALIDATE_EVERY
 * operations. At the end everything is freed and every counter must be back at
 * its starting value: the heap's used/requested/live counts, its error count,
 * and the frame allocator's used pages, except for pages the heap took to grow
 * (kmalloc never gives a growth region back), which are accounted exactly.
 *
 * soak.short always runs (a few thousand operations); soak.long runs
 * CONFIG_KTEST_SOAK_OPS operations when CONFIG_KTEST_SOAK is set.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/string.h>

#define SOAK_SLOTS          96
#define SOAK_FRAME_SLOTS    16
#define SOAK_VALIDATE_EVERY 256
#define SOAK_SHORT_OPS      4000

struct soak_block {
	uint8_t *p;
	size_t size;
	uint32_t gen; /* seeds the pattern; changes on every (re)allocation */
};

struct soak_frames {
	uintptr_t va;
	size_t count;
};

struct soak {
	struct ktest_ctx *ctx;
	struct soak_block blk[SOAK_SLOTS];
	struct soak_frames fr[SOAK_FRAME_SLOTS];
	uint64_t rng;
	uint32_t gen;
	bool frames; /* this configuration has a frame allocator */
	unsigned long allocs, frees, reallocs, frame_ops, failed;
};

/* Fails the test and returns false from the calling helper. */
#define SOAK_CHECK(s, cond)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ktest_fail((s)->ctx, __FILE__, __LINE__, #cond);                           \
			return false;                                                              \
		}                                                                                  \
	} while (0)

/* xorshift64 (Marsaglia 2003): deterministic, so a failing run replays exactly. */
static uint64_t soak_rand(struct soak *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

static size_t soak_below(struct soak *s, size_t n)
{
	return (size_t)(soak_rand(s) % n);
}

static uint8_t pattern(uint32_t gen, size_t i)
{
	return (uint8_t)(gen * 0x9e3779b1u + i * 131u + (i >> 8));
}

static void fill(const struct soak_block *b, size_t from)
{
	for (size_t i = from; i < b->size; i++)
		b->p[i] = pattern(b->gen, i);
}

static bool intact(const struct soak_block *b, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (b->p[i] != pattern(b->gen, i))
			return false;
	return true;
}

/* Mostly small, some page-sized, a few as large as the temporary heap (growth). */
static size_t soak_size(struct soak *s)
{
	size_t c = soak_below(s, 1000);

	if (c < 600)
		return 1 + soak_below(s, 128);
	if (c < 900)
		return 1 + soak_below(s, 2048);
	if (c < 985)
		return 1 + soak_below(s, 8192);
	if (c < 998)
		return 1 + soak_below(s, (size_t)CONFIG_HEAP_SIZE / 4);
	return (size_t)CONFIG_HEAP_SIZE / 2 + soak_below(s, (size_t)CONFIG_HEAP_SIZE * 2);
}

static bool soak_alloc(struct soak *s, struct soak_block *b)
{
	size_t kind = soak_below(s, 10);
	size_t align = (size_t)8 << soak_below(s, 10);

	b->size = soak_size(s);
	if (kind < 6) {
		b->p = kmalloc(b->size);
	} else if (kind < 8) {
		b->p = kmalloc_aligned(b->size, align);
		SOAK_CHECK(s, !b->p || IS_ALIGNED((uintptr_t)b->p, align));
	} else {
		b->p = kzalloc(b->size);
		for (size_t i = 0; b->p && i < b->size; i++)
			SOAK_CHECK(s, b->p[i] == 0);
	}
	if (!b->p) {
		s->failed++;
		return true;
	}
	SOAK_CHECK(s, IS_ALIGNED((uintptr_t)b->p, KHEAP_MIN_ALIGN));
	/* Outside debug mode the usable size is the allocator's, at least the request. */
	SOAK_CHECK(s, kheap_usable_size(kmalloc_heap(), b->p) >= b->size);
#ifdef CONFIG_ALLOC_DEBUG
	SOAK_CHECK(s, kheap_usable_size(kmalloc_heap(), b->p) == b->size);
#endif
	b->gen = ++s->gen;
	fill(b, 0);
	s->allocs++;
	return true;
}

static bool soak_free(struct soak *s, struct soak_block *b)
{
	SOAK_CHECK(s, intact(b, b->size));
	kfree(b->p);
	b->p = NULL;
	s->frees++;
	return true;
}

static bool soak_realloc(struct soak *s, struct soak_block *b)
{
	size_t old = b->size, size = soak_below(s, 2) ? 1 + soak_below(s, old) : soak_size(s);
	size_t keep = MIN(size, old);
	uint8_t *q = krealloc(b->p, size);

	if (!q) {
		/* A failed grow leaves the block as it was. */
		SOAK_CHECK(s, size > old);
		SOAK_CHECK(s, intact(b, old));
		s->failed++;
		return true;
	}
	b->p = q;
	SOAK_CHECK(s, intact(b, keep));
	/* A shrink that can neither resize nor move keeps the block whole. */
	b->size = kheap_usable_size(kmalloc_heap(), q);
#ifdef CONFIG_ALLOC_DEBUG
	SOAK_CHECK(s, b->size == size || (size < old && b->size == old));
#else
	SOAK_CHECK(s, b->size >= size);
#endif
	fill(b, keep);
	s->reallocs++;
	return true;
}

static bool soak_frame_op(struct soak *s)
{
	struct soak_frames *f = &s->fr[soak_below(s, SOAK_FRAME_SLOTS)];

	if (f->count) {
		for (size_t i = 0; i < f->count; i++)
			SOAK_CHECK(s, *(uint64_t *)(f->va + i * PAGE_SIZE) == f->va + i);
		SOAK_CHECK(s, frame_free(f->va, f->count) == 0);
		SOAK_CHECK(s, frame_free(f->va, f->count) != 0);
		f->count = 0;
	} else {
		size_t count = 1 + soak_below(s, 16);
		size_t align = PAGE_SIZE << soak_below(s, 5);
		int err = frame_alloc(count, align, &f->va);

		SOAK_CHECK(s, err == 0 || err == -ENOMEM);
		if (err) {
			s->failed++;
			return true;
		}
		SOAK_CHECK(s, IS_ALIGNED(f->va - CONFIG_KERNEL_VIRT_OFFSET, align));
		f->count = count;
		for (size_t i = 0; i < count; i++)
			*(uint64_t *)(f->va + i * PAGE_SIZE) = f->va + i;
	}
	s->frame_ops++;
	return true;
}

static bool soak_validate(struct soak *s)
{
	char why[96];

	SOAK_CHECK(s, kheap_validate(kmalloc_heap(), why, sizeof(why)) == 0);
	SOAK_CHECK(s, !s->frames || frame_validate(why, sizeof(why)) == 0);
	for (size_t i = 0; i < SOAK_SLOTS; i++)
		SOAK_CHECK(s, !s->blk[i].p || intact(&s->blk[i], s->blk[i].size));
	return true;
}

static bool soak_drain(struct soak *s)
{
	for (size_t i = 0; i < SOAK_SLOTS; i++)
		if (s->blk[i].p && !soak_free(s, &s->blk[i]))
			return false;
	for (size_t i = 0; i < SOAK_FRAME_SLOTS; i++) {
		struct soak_frames *f = &s->fr[i];

		SOAK_CHECK(s, !f->count || frame_free(f->va, f->count) == 0);
		f->count = 0;
	}
	if (kmalloc_heap()->flags & KHEAP_DEBUG)
		SOAK_CHECK(s, kheap_flush_quarantine(kmalloc_heap()) == 0);
	return true;
}

static bool soak_run(struct ktest_ctx *ctx, unsigned long ops, uint64_t seed)
{
	static struct soak soak; /* too big for the boot stack */
	struct soak *s = &soak;
	struct kheap *h = kmalloc_heap();
	struct kheap_stats h0, h1;
	struct page_alloc_stats f0, f1;
	size_t regions0 = h->nregions, grown = 0;

	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->rng = seed;
	/*
	 * Measured with the magazines empty: a cached block that an aligned request
	 * padded counts its padding as used (see struct kheap_stats), so only an
	 * uncached heap returns to exactly the bytes it started with.
	 */
	kheap_drain_caches(h);
	kheap_stats(h, &h0);
	frame_stats(&f0);
	s->frames = f0.total_pages != 0;
	for (unsigned long op = 1; op <= ops; op++) {
		struct soak_block *b = &s->blk[soak_below(s, SOAK_SLOTS)];
		bool ok;

		if (s->frames && soak_below(s, 8) == 0)
			ok = soak_frame_op(s);
		else if (!b->p)
			ok = soak_alloc(s, b);
		else if (soak_below(s, 4) == 0)
			ok = soak_realloc(s, b);
		else
			ok = soak_free(s, b);
		if (!ok || (op % SOAK_VALIDATE_EVERY == 0 && !soak_validate(s)))
			return false;
	}
	if (!soak_drain(s) || !soak_validate(s))
		return false;
	kheap_drain_caches(h);
	kheap_stats(h, &h1);
	frame_stats(&f1);
	for (size_t i = regions0; i < h->nregions; i++)
		grown += h->regions[i].size;
	printk("soak: %lu ops: %lu allocs, %lu frees, %lu reallocs, %lu frame ops, %lu failed; "
	       "heap grew by %lu KiB\n",
	       ops, s->allocs, s->frees, s->reallocs, s->frame_ops, s->failed,
	       (unsigned long)(grown / 1024));
	SOAK_CHECK(s, h1.used == h0.used && h1.requested == h0.requested);
	SOAK_CHECK(s, h1.live_allocs == h0.live_allocs && h1.errors == h0.errors);
	SOAK_CHECK(s, h1.quarantined <= h0.quarantined);
	SOAK_CHECK(s, h1.total_allocs >= h0.total_allocs + s->allocs);
	SOAK_CHECK(s, h1.regions_added - h0.regions_added == h->nregions - regions0);
	SOAK_CHECK(s, f1.used_pages == f0.used_pages + grown / PAGE_SIZE);
	SOAK_CHECK(s, f1.available_pages + grown / PAGE_SIZE == f0.available_pages);
	return true;
}

KTEST(soak, short)
{
	soak_run(ktest_ctx__, SOAK_SHORT_OPS, 0x50a6c0ffee);
}

#ifdef CONFIG_KTEST_SOAK
KTEST(soak, long)
{
	soak_run(ktest_ctx__, CONFIG_KTEST_SOAK_OPS, 0x10a6c0ffee);
}
#endif
