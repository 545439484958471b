// SPDX-License-Identifier: MIT
/*
 * The run-time switch of the per-hart magazines (kheap_set_caches,
 * frame_set_caches), the shared-lock baseline of the SMP benchmark: off
 * drains them and every later alloc and free goes to the shared allocator;
 * on caches again. Without CONFIG_PERCPU_CACHE (or on a debug heap, which
 * has no magazines) the switch says -ENOTSUP.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>

static size_t cached_blocks(void)
{
	struct kheap_stats st;

	kheap_stats(kmalloc_heap(), &st);
	return st.cached_blocks;
}

static size_t cached_pages(void)
{
	struct page_alloc_stats st;

	frame_stats(&st);
	return st.cached_pages;
}

KTEST(pcache, kmalloc_caches_switch_off_and_on)
{
	struct kheap *h = kmalloc_heap();
	struct kheap_stats s0, s1;
	void *p;

#ifdef CONFIG_PERCPU_CACHE
	if (!h->fast) {
		KTEST_ASSERT_EQ(kheap_set_caches(h, false), -ENOTSUP);
		KTEST_SKIP("a debug heap has no magazines to switch");
	}
#else
	KTEST_ASSERT_EQ(kheap_set_caches(h, false), -ENOTSUP);
	KTEST_SKIP("built without CONFIG_PERCPU_CACHE");
#endif
	p = kmalloc(64);
	KTEST_ASSERT(p);
	kfree(p);
	KTEST_ASSERT(cached_blocks() > 0);
	KTEST_ASSERT_EQ(kheap_set_caches(h, false), 0);
	KTEST_ASSERT_EQ(cached_blocks(), 0);
	kheap_stats(h, &s0);
	p = kmalloc(64);
	KTEST_ASSERT(p);
	kfree(p);
	kheap_stats(h, &s1);
	/* Straight to the byte allocator and back: nothing parked, nothing lost. */
	KTEST_ASSERT_EQ(cached_blocks(), 0);
	KTEST_ASSERT_EQ(s1.used, s0.used);
	KTEST_ASSERT_EQ(s1.live_allocs, s0.live_allocs);
	KTEST_ASSERT_EQ(s1.total_allocs, s0.total_allocs + 1);
	KTEST_ASSERT_EQ(kheap_set_caches(h, true), 0);
	p = kmalloc(64);
	KTEST_ASSERT(p);
	kfree(p);
	KTEST_ASSERT(cached_blocks() > 0);
}

KTEST(pcache, frame_caches_switch_off_and_on)
{
	struct page_alloc_stats s0, s1;
	uintptr_t va;

#ifndef CONFIG_PERCPU_CACHE
	KTEST_ASSERT_EQ(frame_set_caches(false), -ENOTSUP);
	KTEST_SKIP("built without CONFIG_PERCPU_CACHE");
#endif
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &va), 0);
	KTEST_ASSERT_EQ(frame_free(va, 1), 0);
	KTEST_ASSERT(cached_pages() > 0);
	KTEST_ASSERT_EQ(frame_set_caches(false), 0);
	KTEST_ASSERT_EQ(cached_pages(), 0);
	frame_stats(&s0);
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &va), 0);
	frame_stats(&s1);
	KTEST_ASSERT_EQ(s1.used_pages, s0.used_pages + 1);
	KTEST_ASSERT_EQ(frame_free(va, 1), 0);
	KTEST_ASSERT_EQ(frame_free(va, 1), -ENOTALLOC);
	frame_stats(&s1);
	KTEST_ASSERT_EQ(cached_pages(), 0);
	KTEST_ASSERT_EQ(s1.used_pages, s0.used_pages);
	KTEST_ASSERT_EQ(frame_set_caches(true), 0);
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &va), 0);
	KTEST_ASSERT_EQ(frame_free(va, 1), 0);
	KTEST_ASSERT(cached_pages() > 0);
}
