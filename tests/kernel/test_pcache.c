// SPDX-License-Identifier: MIT
/*
 * Per-hart magazines (CONFIG_PERCPU_CACHE): every hart allocates and frees
 * frames and small kmalloc blocks at once (smp_call_function), leaving them in
 * its magazines; draining must bring every frame and heap counter back to its
 * starting value, and the validators must pass.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
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
