// SPDX-License-Identifier: MIT
/*
 * Per-hart magazines (CONFIG_PERCPU_CACHE): every hart allocates and frees
 * frames and small kmalloc blocks at once (smp_call_function), leaving them in
 * its magazines; draining must bring every frame and heap counter back to its
 * starting value, and the validators must pass. Under memory pressure (every
 * frame taken, the heap full) an allocation that only cached memory can serve
 * must drain the magazines and succeed, with consistent counters.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/smp.h>
#include <bora/string.h>

#define PC_OBJS   48
#define PC_ROUNDS 20

static unsigned long pc_errors;

static void pc_hart(void *arg)
{
	uintptr_t fr[PC_OBJS];
	void *blk[PC_OBJS];

	(void)arg;
	for (int r = 0; r < PC_ROUNDS; r++) {
		for (int i = 0; i < PC_OBJS; i++) {
			if (frame_alloc(1, PAGE_SIZE, &fr[i]))
				fr[i] = 0;
			blk[i] = kmalloc((size_t)(16 << (i % 5)));
			if (blk[i])
				memset(blk[i], 0x5a, (size_t)(16 << (i % 5)));
		}
		for (int i = 0; i < PC_OBJS; i++) {
			if (!fr[i] || frame_free(fr[i], 1))
				__atomic_fetch_add(&pc_errors, 1, __ATOMIC_RELAXED);
			if (!blk[i])
				__atomic_fetch_add(&pc_errors, 1, __ATOMIC_RELAXED);
			kfree(blk[i]);
		}
	}
}

KTEST(pcache, caches_return_everything)
{
	struct page_alloc_stats f0, f1, f2;
	struct kheap_stats h0, h1, h2;
	char why[128];

	frame_drain_caches();
	kheap_drain_caches(kmalloc_heap());
	frame_stats(&f0);
	kheap_stats(kmalloc_heap(), &h0);
	pc_errors = 0;
	smp_call_function(smp_online_mask(), pc_hart, NULL, true);
	KTEST_ASSERT_EQ(pc_errors, 0);
	frame_stats(&f1);
	kheap_stats(kmalloc_heap(), &h1);
	KTEST_ASSERT_EQ(f1.used_pages, f0.used_pages);
	KTEST_ASSERT_EQ(h1.live_allocs, h0.live_allocs);
#ifdef CONFIG_PERCPU_CACHE
	KTEST_ASSERT(f1.cached_pages > 0);
	/* A debug heap bypasses the magazines: every block must meet its quarantine. */
	if (kmalloc_heap()->fast)
		KTEST_ASSERT(h1.cached_blocks > 0);
	else
		KTEST_ASSERT_EQ(h1.cached_blocks, 0);
#endif
	KTEST_ASSERT_EQ(kheap_validate(kmalloc_heap(), why, sizeof(why)), 0);
	KTEST_ASSERT_EQ(frame_validate(why, sizeof(why)), 0);
	frame_drain_caches();
	kheap_drain_caches(kmalloc_heap());
	frame_stats(&f2);
	kheap_stats(kmalloc_heap(), &h2);
	KTEST_ASSERT_EQ(f2.cached_pages, 0);
	KTEST_ASSERT_EQ(h2.cached_blocks, 0);
	KTEST_ASSERT_EQ(f2.used_pages, f0.used_pages);
	KTEST_ASSERT_EQ(f2.available_pages, f0.available_pages);
	KTEST_ASSERT_EQ(h2.used, h0.used);
	KTEST_ASSERT_EQ(h2.live_allocs, h0.live_allocs);
	KTEST_ASSERT_EQ(h2.errors, h0.errors);
}

KTEST(pcache, double_free_of_a_cached_frame_is_refused)
{
	uintptr_t va;

	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &va), 0);
	KTEST_ASSERT_EQ(frame_free(va, 1), 0);
	KTEST_ASSERT_EQ(frame_free(va, 1), -ENOTALLOC);
}

/* ---- memory pressure: an allocation that only a drain of the magazines can serve ---- */

/* Every free frame, linked through its first word; how many into *n. */
static uintptr_t take_all_frames(size_t *n)
{
	uintptr_t head = 0, va;

	*n = 0;
	while (frame_alloc(1, PAGE_SIZE, &va) == 0) {
		*(uintptr_t *)va = head;
		head = va;
		(*n)++;
	}
	return head;
}

static size_t give_back_frames(uintptr_t head)
{
	size_t n = 0;

	while (head) {
		uintptr_t next = *(uintptr_t *)head;

		if (frame_free(head, 1) == 0)
			n++;
		head = next;
	}
	return n;
}

/* Unlinks and returns a frame of the list that starts an aligned pair of list frames, or 0. */
static uintptr_t unlink_aligned_pair(uintptr_t *head)
{
	for (uintptr_t *a = head; *a; a = (uintptr_t *)*a) {
		uintptr_t lo = *a;

		if (!IS_ALIGNED(lo, 2 * PAGE_SIZE))
			continue;
		for (uintptr_t *b = head; *b; b = (uintptr_t *)*b) {
			if (*b != lo + PAGE_SIZE)
				continue;
			*b = *(uintptr_t *)*b; /* unlink hi first: a's link may be hi's word */
			for (a = head; *a != lo; a = (uintptr_t *)*a)
				;
			*a = *(uintptr_t *)lo;
			return lo;
		}
	}
	return 0;
}

static uintptr_t pp_frame;

static void free_pp_frame(void *arg)
{
	(void)arg;
	if (frame_free(pp_frame, 1))
		__atomic_fetch_add(&pc_errors, 1, __ATOMIC_RELAXED);
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return #cond;                                                              \
	} while (0)

/*
 * Every other frame is taken; pair and pair + PAGE_SIZE are the test's. NULL,
 * or the first check that failed (the caller gives everything back first).
 */
static const char *frame_pressure(uintptr_t pair)
{
	struct page_alloc_stats f1, f2;
	uintptr_t va;

	/*
	 * The pair into this hart's magazine: then the only free frames are cached
	 * ones, so a two-frame request (which never comes from a magazine) can only
	 * be met by draining them back into the zones.
	 */
	CHECK(frame_free(pair, 1) == 0);
	CHECK(frame_free(pair + PAGE_SIZE, 1) == 0);
	frame_stats(&f1);
	CHECK(f1.cached_pages == 2);
	CHECK(f1.available_pages == 2);
	CHECK(frame_alloc(2, 2 * PAGE_SIZE, &va) == 0);
	CHECK(va == pair);
	frame_stats(&f2);
	CHECK(f2.cached_pages == 0);
	CHECK(f2.available_pages == 0);
	CHECK(f2.used_pages == f1.used_pages + 2);

	/*
	 * With a second hart: one frame parked in that hart's magazine is the only
	 * free frame; a one-frame request here finds its own magazine and the zones
	 * empty, drains the other hart's and gets exactly that frame.
	 */
	if (smp_online_count() > 1) {
		unsigned int other = smp_this_hart() == 0 ? 1 : 0;

		pp_frame = pair;
		pc_errors = 0;
		CHECK(smp_call_function((cpumask_t)1 << other, free_pp_frame, NULL, true) == 1);
		CHECK(pc_errors == 0);
		frame_stats(&f1);
		CHECK(f1.cached_pages == 1);
		CHECK(f1.available_pages == 1);
		CHECK(frame_alloc(1, PAGE_SIZE, &va) == 0);
		CHECK(va == pair);
		frame_stats(&f2);
		CHECK(f2.cached_pages == 0);
		CHECK(f2.available_pages == 0);
	}
	CHECK(frame_free(pair, 1) == 0);
	CHECK(frame_free(pair + PAGE_SIZE, 1) == 0);
	return NULL;
}

KTEST(pcache, frame_alloc_drains_the_magazines_when_memory_is_short)
{
	struct page_alloc_stats f0, f2;
	uintptr_t head, pair;
	const char *bad = "no aligned pair of free frames";
	size_t n, back;
	char why[128];

#ifndef CONFIG_PERCPU_CACHE
	KTEST_SKIP("no per-hart caches (CONFIG_PERCPU_CACHE)");
#endif
	frame_drain_caches();
	frame_stats(&f0);
	head = take_all_frames(&n);
	pair = unlink_aligned_pair(&head);
	if (pair)
		bad = frame_pressure(pair);
	if (bad && pair) {
		/* Best effort: whichever of the pair is still the test's (a cached one refuses). */
		frame_free(pair, 1);
		frame_free(pair + PAGE_SIZE, 1);
	}
	back = give_back_frames(head);
	frame_drain_caches();
	if (bad)
		printk("pcache: failed: %s\n", bad);
	KTEST_ASSERT(bad == NULL);
	KTEST_ASSERT_EQ(back, n - 2);
	frame_stats(&f2);
	KTEST_ASSERT_EQ(f2.used_pages, f0.used_pages);
	KTEST_ASSERT_EQ(f2.available_pages, f0.available_pages);
	KTEST_ASSERT_EQ(frame_validate(why, sizeof(why)), 0);
}

#define PK_SIZE   128
#define PK_CACHED 8

KTEST(pcache, kmalloc_drains_the_magazines_when_the_heap_is_full)
{
	struct kheap *h = kmalloc_heap();
	struct kheap_stats h0, h1, h2;
	void **blocks = NULL, *p, *q;
	uintptr_t frames;
	size_t nframes, nblocks = 0;
	char why[128];
	int err;

#ifndef CONFIG_PERCPU_CACHE
	KTEST_SKIP("no per-hart caches (CONFIG_PERCPU_CACHE)");
#endif
	if (!h->fast)
		KTEST_SKIP("a debug heap bypasses the magazines");
	kheap_drain_caches(h);
	frame_drain_caches();
	kheap_stats(h, &h0);
	/* No frame left, so the heap cannot grow: filling it fills it for good. */
	frames = take_all_frames(&nframes);
	while ((p = kmalloc(PK_SIZE)) != NULL) {
		*(void **)p = blocks;
		blocks = p;
		nblocks++;
	}

	/* A few back: they wait in this hart's magazine, still allocated in the heap. */
	for (int i = 0; i < PK_CACHED && blocks; i++) {
		p = blocks;
		blocks = *(void **)p;
		kfree(p);
		nblocks--;
	}
	kheap_stats(h, &h1);

	/* The byte allocator alone has no room for one more block... */
	spin_lock(&h->lock);
	err = h->ops->alloc(h->state, PK_SIZE, 16, &q);
	spin_unlock(&h->lock);
	if (err == 0) {
		spin_lock(&h->lock);
		h->ops->free(h->state, q, PK_SIZE, 16);
		spin_unlock(&h->lock);
	}
	/* ...so an aligned request (never served by a magazine) succeeds only by draining them. */
	q = kmalloc_aligned(PK_SIZE, 16);
	kheap_stats(h, &h2);

	/* Everything back before judging, so a failure leaves the next tests their memory. */
	kfree(q);
	while (blocks) {
		p = blocks;
		blocks = *(void **)p;
		kfree(p);
	}
	KTEST_ASSERT_EQ(give_back_frames(frames), nframes);
	KTEST_ASSERT(nblocks > PK_CACHED);
	KTEST_ASSERT(h1.cached_blocks >= PK_CACHED);
	KTEST_ASSERT_EQ(h1.live_allocs, h0.live_allocs + nblocks);
	KTEST_ASSERT_EQ(err, -ENOMEM);
	KTEST_ASSERT(q != NULL);
	KTEST_ASSERT_EQ(h2.cached_blocks, 0);
	KTEST_ASSERT_EQ(h2.failed_allocs, h1.failed_allocs);
	KTEST_ASSERT_EQ(h2.live_allocs, h0.live_allocs + nblocks + 1);
	KTEST_ASSERT_EQ(h2.errors, h0.errors);
	kheap_drain_caches(h);
	frame_drain_caches();
	kheap_stats(h, &h2);
	KTEST_ASSERT_EQ(h2.live_allocs, h0.live_allocs);
	KTEST_ASSERT_EQ(h2.used, h0.used);
	KTEST_ASSERT_EQ(h2.cached_blocks, 0);
	KTEST_ASSERT_EQ(kheap_validate(h, why, sizeof(why)), 0);
}
