// SPDX-License-Identifier: MIT
/*
 * Bugs the libFuzzer targets in tests/fuzz/ found, reduced to plain cmocka
 * tests. Each names the fuzz target and the regression input that first
 * showed it (tests/fuzz/corpus/<target>/regress-*), which `make check` replays too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/bitmap_buddy.h>
#include <bora/buddy.h>
#include <bora/errno.h>
#include <bora/kmalloc.h>

/*
 * bitmap_buddy, regress-stale-pointer-other-alignment: on a tree whose base is
 * only 8-byte aligned, an aligned request is served with padding in front of
 * the pointer, so one block can be handed out under two pointers: its start
 * (alignment 1) and start + padding (a larger alignment). free() and
 * resize_in_place() checked only that the block was live, so a stale pointer
 * from an earlier allocation of the same block under another alignment freed
 * (or resized) the block now live under the other pointer.
 */
static void bitmap_buddy_stale_pointer_with_other_alignment(void **state)
{
	static struct bitmap_buddy bb;
	unsigned char *buf = aligned_alloc(4096, 8192);
	unsigned char *base = buf + 8; /* 8-aligned, not 16-aligned */
	void *stale, *live, *later;
	char why[128];

	(void)state;
	assert_non_null(buf);
	assert_int_equal(bitmap_buddy_init(&bb, base, 4096), 0);

	/* The 2 KiB block at the tree base, first without padding... */
	assert_int_equal(bitmap_buddy_alloc(&bb, 1500, 1, &stale), 0);
	assert_ptr_equal(stale, base);
	assert_int_equal(bitmap_buddy_free(&bb, stale, 1500, 1), 0);
	/* ...then with 504 bytes of padding for a 512-byte alignment. */
	assert_int_equal(bitmap_buddy_alloc(&bb, 1500, 512, &live), 0);
	assert_ptr_equal(live, base + 504);

	assert_int_equal(bitmap_buddy_free(&bb, stale, 1500, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, stale, 1500, 60, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_validate(&bb, why, sizeof(why)), 0);

	/* Two paddings: a pointer from the 512-aligned life of the block is stale too. */
	assert_int_equal(bitmap_buddy_free(&bb, live, 1500, 512), 0);
	assert_int_equal(bitmap_buddy_alloc(&bb, 1500, 256, &later), 0);
	assert_ptr_equal(later, base + 248);
	assert_int_equal(bitmap_buddy_free(&bb, live, 1500, 512), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, stale, 1500, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, later, 1500, 256), 0);
	assert_int_equal(bitmap_buddy_validate(&bb, why, sizeof(why)), 0);
	free(buf);
}

/*
 * kmalloc, regress-shrink-counted-as-failure: when krealloc() shrinks a block
 * that can be neither resized in place nor moved (the heap is full), it keeps
 * the block and returns it, yet the failed attempt to move it was counted in
 * failed_allocs, which counts allocations that returned NULL to the caller.
 */
static void kmalloc_kept_shrink_is_not_a_failed_allocation(void **state)
{
	static struct kheap heap;
	static struct buddy buddy;
	static _Alignas(4096) unsigned char buf[16384];
	struct byte_allocator_ops no_resize = buddy_byte_ops;
	struct kheap_stats before, after;
	void *first, *p, *q;

	(void)state;
	no_resize.resize_in_place = NULL;
	assert_int_equal(kheap_init(&heap, &no_resize, &buddy, buf, sizeof(buf), 0), 0);
	first = kheap_alloc(&heap, 200, 0);
	assert_non_null(first);
	/* Fill every hole down to the smallest block. */
	for (size_t size = 4096; size; size /= 2)
		while ((p = kheap_alloc(&heap, size, 0)) != NULL)
			;
	kheap_stats(&heap, &before);
	q = kheap_realloc(&heap, first, 20, NULL);
	assert_ptr_equal(q, first);
	kheap_stats(&heap, &after);
	assert_int_equal(after.failed_allocs, before.failed_allocs);
	assert_int_equal(after.live_allocs, before.live_allocs);
	assert_true(kheap_usable_size(&heap, q) >= 200); /* the block as it was (buddy: 256) */
	/* A grow that cannot be met is a failure the caller sees: counted. */
	assert_null(kheap_realloc(&heap, first, 4000, NULL));
	kheap_stats(&heap, &after);
	assert_int_equal(after.failed_allocs, before.failed_allocs + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bitmap_buddy_stale_pointer_with_other_alignment),
	    cmocka_unit_test(kmalloc_kept_shrink_is_not_a_failed_allocation),
	};
	return cmocka_run_group_tests_name("fuzz_regress", tests, NULL, NULL);
}
