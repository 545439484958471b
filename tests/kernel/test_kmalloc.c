// SPDX-License-Identifier: MIT
/* kmalloc on the real kernel heap with the configured allocator. */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
#include <bora/string.h>

static bool heap_valid(void)
{
	char why[96];

	return kheap_validate(kmalloc_heap(), why, sizeof(why)) == 0;
}

KTEST(kmalloc, alloc_write_free_returns_to_baseline)
{
	struct kheap_stats before, after;
	void *p[32];

	kheap_stats(kmalloc_heap(), &before);
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++) {
		size_t size = 8u << (i % 9); /* 8 B .. 2 KiB */

		p[i] = kmalloc(size);
		KTEST_ASSERT(p[i] != NULL);
		KTEST_ASSERT(IS_ALIGNED((uintptr_t)p[i], KHEAP_MIN_ALIGN));
		memset(p[i], (int)i, size);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++) {
		const unsigned char *b = p[i];

		KTEST_ASSERT(b[0] == (unsigned char)i &&
		             b[(8u << (i % 9)) - 1] == (unsigned char)i);
		kfree(p[i]);
	}
	kheap_stats(kmalloc_heap(), &after);
	KTEST_ASSERT_EQ(after.used, before.used);
	KTEST_ASSERT_EQ(after.live_allocs, before.live_allocs);
	KTEST_ASSERT(after.total_allocs >= before.total_allocs + ARRAY_SIZE(p));
	KTEST_ASSERT(heap_valid());
}

KTEST(kmalloc, aligned_allocations)
{
	for (size_t align = 1; align <= 4096; align <<= 1) {
		void *p = kmalloc_aligned(100, align);

		KTEST_ASSERT(p != NULL);
		KTEST_ASSERT(IS_ALIGNED((uintptr_t)p, align));
		kfree(p);
	}
	KTEST_ASSERT(kmalloc_aligned(64, 3) == NULL);
	KTEST_ASSERT(heap_valid());
}

KTEST(kmalloc, kzalloc_zeroes_and_krealloc_keeps_contents)
{
	unsigned char *p = kmalloc(200);
	unsigned char *z;

	KTEST_ASSERT(p != NULL);
	memset(p, 0xa5, 200);
	kfree(p);
	z = kzalloc(200);
	KTEST_ASSERT(z != NULL);
	for (unsigned i = 0; i < 200; i++)
		KTEST_ASSERT_EQ(z[i], 0);
	for (unsigned i = 0; i < 200; i++)
		z[i] = (unsigned char)i;
	z = krealloc(z, 3000);
	KTEST_ASSERT(z != NULL);
	for (unsigned i = 0; i < 200; i++)
		KTEST_ASSERT_EQ(z[i], (unsigned char)i);
	z = krealloc(z, 50);
	KTEST_ASSERT(z != NULL);
	for (unsigned i = 0; i < 50; i++)
		KTEST_ASSERT_EQ(z[i], (unsigned char)i);
	kfree(z);
	KTEST_ASSERT(heap_valid());
}

KTEST(kmalloc, impossible_requests_return_null_and_leave_the_heap_intact)
{
	struct kheap_stats before, after;

	kheap_stats(kmalloc_heap(), &before);
	KTEST_ASSERT(kmalloc(0) == NULL);
	KTEST_ASSERT(kmalloc(SIZE_MAX) == NULL);
	KTEST_ASSERT(kmalloc(SIZE_MAX - 4096) == NULL);
	/* 1 TiB: more than any RAM this kernel can map, so growth cannot meet it either. */
	KTEST_ASSERT(kmalloc((size_t)1 << 40) == NULL);
	kheap_stats(kmalloc_heap(), &after);
	KTEST_ASSERT_EQ(after.used, before.used);
	KTEST_ASSERT(after.failed_allocs >= before.failed_allocs + 3);
	KTEST_ASSERT(heap_valid());
}

/*
 * With CONFIG_ALLOC_DEBUG the kernel's report hook panics on a bad free; the
 * errors provoked here are announced first (kheap_expect_errors), so the hook
 * lets exactly these through and the suite sees the error codes.
 */
KTEST(kmalloc, bad_free_is_refused)
{
	struct kheap_stats before, after;
	void *p = kmalloc(64);
	uint64_t on_stack; /* 8-aligned: refused as outside the heap, not as misaligned */

	KTEST_ASSERT(p != NULL);
	kheap_stats(kmalloc_heap(), &before);
	kheap_expect_errors(kmalloc_heap(), 3);
	KTEST_ASSERT_EQ(kheap_free(kmalloc_heap(), &on_stack, NULL), -EFAULT);
	KTEST_ASSERT_EQ(kheap_free(kmalloc_heap(), (char *)p + 4, NULL), -EINVAL);
	KTEST_ASSERT(kheap_free(kmalloc_heap(), (char *)p + 8, NULL) != 0);
#ifdef CONFIG_ALLOC_DEBUG
	KTEST_ASSERT(!kheap_error_expected(kmalloc_heap())); /* all three were reported */
#endif
	kheap_expect_errors(kmalloc_heap(), 0);
	kheap_stats(kmalloc_heap(), &after);
	KTEST_ASSERT_EQ(after.errors, before.errors + 3);
	KTEST_ASSERT_EQ(after.live_allocs, before.live_allocs);
	KTEST_ASSERT_EQ(kheap_free(kmalloc_heap(), p, NULL), 0);
	KTEST_ASSERT(heap_valid());
}

KTEST(kmalloc, exhausting_the_temporary_heap_grows_it_or_fails_cleanly)
{
	struct kheap_stats st;
	void *blocks[64];
	unsigned n = 0;
	size_t chunk = (size_t)CONFIG_HEAP_SIZE / 16;

	/* Twice the temporary heap: only growth from the frame allocator can meet it. */
	while (n < 32 && (blocks[n] = kmalloc(chunk)) != NULL)
		n++;
	kheap_stats(kmalloc_heap(), &st);
#ifdef CONFIG_HEAP_GROWABLE
	KTEST_ASSERT_EQ(n, 32);
	KTEST_ASSERT(st.regions_added > 0);
#else
	KTEST_ASSERT(n < 32);
#endif
	while (n)
		kfree(blocks[--n]);
	KTEST_ASSERT(heap_valid());
}

KTEST(frames, alloc_and_free_return_counters)
{
	struct page_alloc_stats before, mid, after;
	uintptr_t a, b;

	frame_stats(&before);
	if (before.total_pages == 0)
		KTEST_SKIP("no frame allocator in this configuration");
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &a), 0);
	KTEST_ASSERT_EQ(frame_alloc(512, 2UL << 20, &b), 0);
	KTEST_ASSERT(IS_ALIGNED(b - CONFIG_KERNEL_VIRT_OFFSET, 2UL << 20));
	memset((void *)a, 0x5a, PAGE_SIZE);
	frame_stats(&mid);
	KTEST_ASSERT_EQ(mid.used_pages, before.used_pages + 513);
	KTEST_ASSERT_EQ(frame_free(a, 1), 0);
	KTEST_ASSERT(frame_free(a, 1) != 0);
	KTEST_ASSERT_EQ(frame_free(b, 512), 0);
	frame_stats(&after);
	KTEST_ASSERT_EQ(after.used_pages, before.used_pages);
	KTEST_ASSERT_EQ(after.available_pages, before.available_pages);
}
