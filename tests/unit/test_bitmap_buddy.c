// SPDX-License-Identifier: MIT
/* Host tests of the compact bitmap buddy allocator (mm/bitmap_buddy.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/bitmap_buddy.h>
#include <bora/errno.h>

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
/* Per-level rounding plus the few bytes too small to manage; see metadata_bytes_are_exact. */
#define METADATA_SLACK 64

static struct bitmap_buddy bb;
static char why[160];

static void *region_alloc(size_t size)
{
	void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);

	assert_non_null(p);
	return p;
}

static void assert_valid(void)
{
	int err = bitmap_buddy_validate(&bb, why, sizeof(why));

	if (err)
		fail_msg("validate: %s", why);
}

static void assert_corrupt(void)
{
	assert_int_equal(bitmap_buddy_validate(&bb, why, sizeof(why)), -ECORRUPT);
	assert_true(strlen(why) > 0);
}

static int value(unsigned int order, size_t index)
{
	return bitmap_buddy_node_value(&bb, 0, order, index);
}

static size_t used(void)
{
	struct byte_alloc_stats st;

	bitmap_buddy_stats(&bb, &st);
	return st.used;
}

static size_t largest(void)
{
	struct byte_alloc_stats st;

	bitmap_buddy_stats(&bb, &st);
	return st.largest_free;
}

/* A region whose first tree manages exactly `managed` bytes, starting at a page. */
static char *heap_managing(size_t managed)
{
	size_t size = bitmap_buddy_region_bytes(managed);
	char *buf;

	assert_true(size > managed);
	buf = region_alloc(size);
	assert_int_equal(bitmap_buddy_init(&bb, buf, size), 0);
	assert_int_equal(bb.trees[0].managed, managed);
	assert_ptr_equal(bb.trees[0].base, (uintptr_t)buf);
	return buf;
}

static void *alloc_ok(size_t size, size_t align)
{
	void *p = NULL;

	assert_int_equal(bitmap_buddy_alloc(&bb, size, align, &p), 0);
	assert_non_null(p);
	return p;
}

/* Tree bytes for `managed`, counted level by level (independent of the allocator's count). */
static size_t naive_tree_bytes(size_t managed)
{
	size_t bytes = 0;
	unsigned int root = 0;

	while (((size_t)1 << root) < managed)
		root++;
	for (unsigned int o = 5; o <= root; o++) {
		size_t nodes = (managed + ((size_t)1 << o) - 1) >> o;

		/* Below the root an odd level gets its last node's sibling slot. */
		bytes += o < root && nodes % 2 ? nodes + 1 : nodes;
	}
	bytes += (((managed + 15) / 16) + 7) / 8;
	bytes += (managed / 8 + 7) / 8;
	return bytes;
}

static void check_metadata(size_t n)
{
	struct byte_alloc_stats st;
	char *buf = region_alloc(n);
	size_t meta, managed;

	assert_int_equal(bitmap_buddy_init(&bb, buf, n), 0);
	bitmap_buddy_stats(&bb, &st);
	managed = bb.trees[0].managed;
	meta = bitmap_buddy_metadata_bytes(n);
	assert_int_equal(st.metadata, meta);
	assert_int_equal(st.total, n);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.available, managed);
	assert_int_equal(meta, n - managed);
	/* The tree fits behind the managed bytes, and one more unit would not. */
	assert_true(managed + naive_tree_bytes(managed) <= n);
	assert_true(managed + 8 + naive_tree_bytes(managed + 8) > n);
	/* The bound from the brief: 11n/128 plus a small constant. */
	if (meta * 128 > 11 * n + 128 * METADATA_SLACK)
		fail_msg("n=%zu metadata %zu > 11n/128 + %d", n, meta, METADATA_SLACK);
	assert_valid();
	free(buf);
}

static void metadata_bound_power_of_two_heaps(void **state)
{
	static const size_t sizes[] = {4 * KiB, 64 * KiB, 128 * KiB, 1 * MiB, 16 * MiB};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_metadata(sizes[i]);
}

static void metadata_bound_odd_heaps(void **state)
{
	static const size_t sizes[] = {100,    4 * KiB + 8,   12345,        65535,
	                               100000, 128 * KiB + 1, 3 * MiB + 24, 9 * MiB + 777};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_metadata(sizes[i]);
}

/*
 * The seed's count for a power-of-two tree, n/16 - 1 node bytes + (n/8 + n/16) bits, is
 * exact once the bitmaps fill whole bytes (n >= 128); every size matches a per-level count.
 */
static void metadata_bytes_are_exact(void **state)
{
	(void)state;
	for (unsigned int k = 7; k <= 24; k++) {
		size_t n = (size_t)1 << k;

		assert_int_equal(bitmap_buddy_region_bytes(n) - n, 11 * n / 128 - 1);
		assert_int_equal(bitmap_buddy_region_bytes(n) - n, naive_tree_bytes(n));
	}
	for (size_t m = 24; m < 5000; m += 8)
		assert_int_equal(bitmap_buddy_region_bytes(m) - m, naive_tree_bytes(m));
	assert_int_equal(bitmap_buddy_region_bytes(12), 0);
	assert_int_equal(bitmap_buddy_region_bytes(100), 0);
	assert_int_equal(bitmap_buddy_metadata_bytes(16), 0);
}

static void exact_tree_values(void **state)
{
	char *buf = heap_managing(256);
	void *a, *b, *c;

	(void)state;
	assert_int_equal(bb.trees[0].root_order, 8);
	assert_int_equal(value(8, 0), 8);
	a = alloc_ok(8, 1);
	assert_ptr_equal(a, buf);
	assert_int_equal(value(3, 0), BITMAP_BUDDY_ALLOCATED);
	assert_int_equal(value(3, 1), 3);
	assert_int_equal(value(4, 0), 3);
	assert_int_equal(value(5, 0), 4);
	assert_int_equal(value(6, 0), 5);
	assert_int_equal(value(7, 0), 6);
	assert_int_equal(value(7, 1), 7);
	assert_int_equal(value(8, 0), 7);
	/* Best fit: the free 16-byte node next to `a`, not a split of the free half. */
	b = alloc_ok(16, 1);
	assert_ptr_equal(b, buf + 16);
	assert_int_equal(value(4, 1), BITMAP_BUDDY_ALLOCATED);
	assert_int_equal(value(5, 0), 3);
	assert_int_equal(value(6, 0), 5);
	/* ... and the last 8-byte hole in that 32-byte node. */
	c = alloc_ok(8, 1);
	assert_ptr_equal(c, buf + 8);
	assert_int_equal(value(4, 0), BITMAP_BUDDY_SPLIT_FULL);
	assert_int_equal(value(5, 0), BITMAP_BUDDY_SPLIT_FULL);
	assert_int_equal(value(6, 0), 5);
	assert_int_equal(value(8, 0), 7);
	assert_int_equal(used(), 32);
	assert_valid();
	assert_int_equal(bitmap_buddy_free(&bb, b, 16, 1), 0);
	assert_int_equal(value(4, 1), 4);
	assert_int_equal(value(5, 0), 4);
	assert_int_equal(bitmap_buddy_free(&bb, a, 8, 1), 0);
	assert_int_equal(value(4, 0), 3);
	assert_int_equal(bitmap_buddy_free(&bb, c, 8, 1), 0);
	for (unsigned int o = 3; o <= 8; o++)
		for (size_t i = 0; i < (256u >> o); i++)
			assert_int_equal(value(o, i), (int)o);
	assert_int_equal(used(), 0);
	assert_valid();
	free(buf);
}

static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* A request goes to the lowest-addressed free block that fits, splitting a larger one. */
static void first_fit_places_blocks_low(void **state)
{
	char *buf = heap_managing(256);
	void *big, *mid, *p;

	(void)state;
	big = alloc_ok(64, 1);
	mid = alloc_ok(32, 1);
	assert_ptr_equal(big, buf);
	assert_ptr_equal(mid, buf + 64);
	assert_int_equal(bitmap_buddy_free(&bb, big, 64, 1), 0);
	/* Free: [0,64) and [96,128) inside the first half, and the second half. */
	assert_int_equal(value(7, 0), 6);
	p = alloc_ok(32, 1);
	assert_ptr_equal(p, buf);
	assert_int_equal(value(6, 0), 5);
	assert_int_equal(value(7, 0), 5);
	assert_int_equal(largest(), 128);
	p = alloc_ok(64, 1);
	assert_ptr_equal(p, buf + 128);
	assert_int_equal(value(8, 0), 6);
	assert_int_equal(largest(), 64);
	p = alloc_ok(24, 1);
	assert_ptr_equal(p, buf + 32);
	assert_int_equal(used(), 160);
	assert_valid();
	free(buf);
}

/*
 * A live block of order >= 6 names its order in the order-5 node holding its
 * pointer, so usable_size answers from the pointer in O(1); interior pointers,
 * freed blocks and foreign pointers answer 0.
 */
static void usable_size_from_the_pointer(void **state)
{
	char *buf = heap_managing(4 * KiB);
	char *a, *b, *c, *d, outside[16];

	(void)state;
	a = alloc_ok(8, 1);
	b = alloc_ok(16, 1);
	c = alloc_ok(32, 1);
	d = alloc_ok(1000, 1);
	assert_ptr_equal(d, buf + 1024);
	assert_int_equal(value(10, 1), BITMAP_BUDDY_ALLOCATED);
	assert_int_equal(value(5, 1024 / 32), 10); /* the marker */
	assert_int_equal(value(5, 1024 / 32 + 1), 5);
	assert_int_equal(bitmap_buddy_usable_size(&bb, a), 8);
	assert_int_equal(bitmap_buddy_usable_size(&bb, b), 16);
	assert_int_equal(bitmap_buddy_usable_size(&bb, c), 32);
	assert_int_equal(bitmap_buddy_usable_size(&bb, d), 1024);
	assert_int_equal(bitmap_buddy_usable_size(&bb, d + 8), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, d + 32), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, c + 8), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, b + 8), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, buf + 2048), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, outside), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, NULL), 0);
	assert_valid();
	/* The marker is checked: a stray one, or a live block without one, is corruption. */
	bb.trees[0].nodes[bb.trees[0].level_off[5] + 1024 / 32 + 1] = 10;
	assert_corrupt();
	bb.trees[0].nodes[bb.trees[0].level_off[5] + 1024 / 32 + 1] = 5;
	bb.trees[0].nodes[bb.trees[0].level_off[5] + 1024 / 32] = 5;
	assert_corrupt();
	assert_non_null(strstr(why, "marker"));
	bb.trees[0].nodes[bb.trees[0].level_off[5] + 1024 / 32] = 10;
	assert_valid();
	/* free(p, usable_size(p), 1) is how kmalloc frees. */
	assert_int_equal(bitmap_buddy_free(&bb, d, 1024, 1), 0);
	assert_int_equal(value(5, 1024 / 32), 5);
	assert_int_equal(bitmap_buddy_usable_size(&bb, d), 0);
	assert_int_equal(bitmap_buddy_free(&bb, d, 1024, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, a, 8, 1), 0);
	assert_int_equal(bitmap_buddy_usable_size(&bb, a), 0);
	assert_int_equal(bitmap_buddy_free(&bb, b, 16, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, c, 32, 1), 0);
	assert_int_equal(used(), 0);
	assert_valid();
	free(buf);
}

/*
 * What the first-fit descent is for: on a tree whose managed size is just above
 * a power of two, a mixed trace never needs the truncated tail past 64 KiB (64
 * live blocks of at most 512 bytes leave at least 64 of the 128 aligned 512-byte
 * blocks below it wholly free), so first fit never puts a block there; best fit
 * did, the tail's small free blocks being the tightest fits.
 */
static void mixed_trace_stays_low(void **state)
{
	enum { SLOTS = 64 };
	size_t managed = 64 * KiB + 4 * KiB;
	char *buf = heap_managing(managed);
	void *slot[SLOTS] = {0};
	size_t size[SLOTS];
	char *top = buf;

	(void)state;
	for (int step = 0; step < 20000; step++) {
		unsigned int s = next_rand() % SLOTS;

		if (slot[s]) {
			assert_int_equal(bitmap_buddy_free(&bb, slot[s], size[s], 1), 0);
			slot[s] = NULL;
			continue;
		}
		size[s] = 16 + next_rand() % 256;
		slot[s] = alloc_ok(size[s], 1);
		if ((char *)slot[s] + size[s] > top)
			top = (char *)slot[s] + size[s];
	}
	assert_true(top <= buf + 64 * KiB);
	for (unsigned int s = 0; s < SLOTS; s++)
		if (slot[s])
			assert_int_equal(bitmap_buddy_free(&bb, slot[s], size[s], 1), 0);
	assert_int_equal(used(), 0);
	assert_valid();
	free(buf);
}

static void merge_restores_root(void **state)
{
	enum { N = 300 };
	char *buf = heap_managing(4096);
	void *ptrs[N];
	size_t sizes[N];
	int live = 0;

	(void)state;
	for (int round = 0; round < 20; round++) {
		while (live < N) {
			size_t size = 1 + next_rand() % 96;

			if (bitmap_buddy_alloc(&bb, size, 1, &ptrs[live]))
				break;
			sizes[live++] = size;
		}
		assert_true(live > 10);
		assert_valid();
		/* Free everything in random order. */
		while (live) {
			int victim = (int)(next_rand() % (uint32_t)live);

			assert_int_equal(bitmap_buddy_free(&bb, ptrs[victim], sizes[victim], 1), 0);
			ptrs[victim] = ptrs[--live];
			sizes[victim] = sizes[live];
		}
		assert_int_equal(value(12, 0), 12);
		assert_int_equal(largest(), 4096);
		assert_int_equal(used(), 0);
		assert_valid();
	}
	for (unsigned int o = 3; o <= 12; o++)
		for (size_t i = 0; i < (4096u >> o); i++)
			assert_int_equal(value(o, i), (int)o);
	free(buf);
}

static void tail_is_marked_allocated(void **state)
{
	char *buf = heap_managing(200);
	void *p;
	int count = 0;

	(void)state;
	/* [0,200) free, [200,256) past the region: the 16-byte node at 192 has one leaf. */
	assert_int_equal(bb.trees[0].root_order, 8);
	assert_int_equal(value(8, 0), 7);
	assert_int_equal(value(7, 0), 7);
	assert_int_equal(value(7, 1), 6);
	assert_int_equal(value(6, 2), 6);
	assert_int_equal(value(6, 3), 3);
	assert_int_equal(value(5, 6), 3);
	assert_int_equal(value(4, 12), 3);
	assert_int_equal(value(3, 24), 3);
	assert_int_equal(bitmap_buddy_node_value(&bb, 0, 4, 13), -EINVAL);
	assert_int_equal(bitmap_buddy_node_value(&bb, 0, 3, 25), -EINVAL);
	assert_int_equal(largest(), 128);
	assert_int_equal(bitmap_buddy_alloc(&bb, 256, 1, &p), -ENOMEM);
	assert_int_equal(bitmap_buddy_alloc(&bb, 129, 1, &p), -ENOMEM);
	while (bitmap_buddy_alloc(&bb, 8, 1, &p) == 0) {
		assert_true((char *)p >= buf && (char *)p + 8 <= buf + 200);
		count++;
	}
	assert_int_equal(count, 25);
	assert_int_equal(used(), 200);
	assert_int_equal(largest(), 0);
	assert_int_equal(value(8, 0), BITMAP_BUDDY_SPLIT_FULL);
	assert_valid();
	/* A leaf past the region turned free is caught. */
	bb.trees[0].leaf_free[25 / 8] |= 1u << (25 % 8);
	assert_corrupt();
	free(buf);
}

static void tail_of_large_odd_heap(void **state)
{
	size_t managed = 3 * KiB + 40;
	char *buf = heap_managing(managed);
	void *p;

	(void)state;
	assert_int_equal(bb.trees[0].root_order, 12);
	assert_int_equal(largest(), 2048);
	assert_ptr_equal(alloc_ok(2048, 1), buf);
	assert_ptr_equal(alloc_ok(1024, 1), buf + 2048);
	assert_int_equal(largest(), 32);
	assert_ptr_equal(alloc_ok(32, 1), buf + 3072);
	assert_ptr_equal(alloc_ok(8, 1), buf + 3104);
	assert_int_equal(bitmap_buddy_alloc(&bb, 16, 1, &p), -ENOMEM);
	assert_int_equal(used(), managed);
	assert_valid();
	free(buf);
}

static void alignments_on_aligned_base(void **state)
{
	char *buf = heap_managing(64 * KiB);
	static const size_t sizes[] = {1, 8, 24, 100, 4096};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t align = 1; align <= 16 * KiB; align *= 2) {
			size_t block = 8;
			void *p = alloc_ok(sizes[s], align);

			while (block < sizes[s] || block < align)
				block *= 2;
			assert_int_equal((uintptr_t)p % align, 0);
			assert_true((char *)p >= buf && (char *)p + sizes[s] <= buf + 64 * KiB);
			/* Alignment above the size raises the order. */
			assert_int_equal(used(), block);
			memset(p, 0xa5, sizes[s]);
			assert_int_equal(bitmap_buddy_free(&bb, p, sizes[s], align), 0);
		}
	}
	assert_valid();
	free(buf);
}

static void alignments_on_misaligned_base(void **state)
{
	char *raw = region_alloc(8 * KiB);
	void *p, *q;

	(void)state;
	/* Tree base at 8 mod 4096: alignments above 8 need a fixed pad inside the block. */
	assert_int_equal(bitmap_buddy_init(&bb, raw + 8, 8 * KiB - 8), 0);
	assert_int_equal(bb.trees[0].base % 16, 8);
	for (size_t align = 1; align <= 1024; align *= 2) {
		p = alloc_ok(40, align);
		q = alloc_ok(40, align);
		assert_int_equal((uintptr_t)p % align, 0);
		assert_int_equal((uintptr_t)q % align, 0);
		assert_true((char *)p + 40 <= (char *)q || (char *)q + 40 <= (char *)p);
		memset(p, 1, 40);
		memset(q, 2, 40);
		if (align > 8)
			assert_int_equal(bitmap_buddy_free(&bb, p, 40, 8), -ENOTALLOC);
		assert_int_equal(bitmap_buddy_free(&bb, p, 40, align), 0);
		assert_int_equal(bitmap_buddy_free(&bb, q, 40, align), 0);
		assert_valid();
	}
	assert_int_equal(used(), 0);
	/* A base off the 8-byte grid: the tree starts at the next multiple of 8. */
	assert_int_equal(bitmap_buddy_init(&bb, raw + 3, 4 * KiB), 0);
	assert_ptr_equal(bb.trees[0].base, (uintptr_t)(raw + 8));
	p = alloc_ok(1, 1);
	assert_int_equal((uintptr_t)p % 8, 0);
	assert_true((char *)p >= raw + 8 && (char *)p < raw + 8 + bb.trees[0].managed);
	{
		struct byte_alloc_stats st;

		bitmap_buddy_stats(&bb, &st);
		assert_int_equal(st.metadata, 4 * KiB - bb.trees[0].managed);
		assert_int_equal(st.available, bb.trees[0].managed - 8);
	}
	assert_int_equal(bitmap_buddy_free(&bb, p, 1, 1), 0);
	assert_valid();
	free(raw);
}

static void bad_alignments(void **state)
{
	char *buf = heap_managing(4 * KiB);
	void *p = (void *)0x1;

	(void)state;
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 0, &p), -EINVAL);
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 3, &p), -EINVAL);
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 48, &p), -EINVAL);
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 8 * KiB, &p), -ENOMEM);
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, (size_t)1 << 63, &p), -ENOMEM);
	assert_ptr_equal(p, (void *)0x1);
	assert_int_equal(used(), 0);
	assert_valid();
	free(buf);
}

static void bad_sizes_and_regions(void **state)
{
	char *buf = region_alloc(4 * KiB);
	void *p = NULL;

	(void)state;
	assert_int_equal(bitmap_buddy_init(&bb, NULL, 4 * KiB), -EINVAL);
	assert_int_equal(bitmap_buddy_init(&bb, buf, 0), -EINVAL);
	assert_int_equal(bitmap_buddy_init(&bb, buf, 16), -EINVAL);
	assert_int_equal(bitmap_buddy_init(&bb, buf, SIZE_MAX), -EINVAL);
	assert_int_equal(bitmap_buddy_init(NULL, buf, 4 * KiB), -EINVAL);
	/* A failed init leaves an empty, valid allocator. */
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 1, &p), -ENOMEM);
	assert_valid();
	assert_int_equal(bitmap_buddy_init(&bb, buf, 4 * KiB), 0);
	assert_int_equal(bitmap_buddy_alloc(&bb, 0, 1, &p), -EINVAL);
	assert_int_equal(bitmap_buddy_alloc(&bb, SIZE_MAX, 1, &p), -EINVAL);
	assert_int_equal(bitmap_buddy_alloc(&bb, SIZE_MAX / 2 + 1, 1, &p), -EINVAL);
	assert_int_equal(bitmap_buddy_alloc(&bb, (size_t)1 << 40, 1, &p), -ENOMEM);
	assert_int_equal(bitmap_buddy_alloc(&bb, 4 * KiB, 1, &p), -ENOMEM);
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 1, NULL), -EINVAL);
	assert_null(p);
	assert_int_equal(used(), 0);
	assert_valid();
	free(buf);
}

static void bad_frees_leave_state_intact(void **state)
{
	char *buf = heap_managing(4 * KiB);
	char *a, *b, *c;
	struct byte_alloc_stats before, after;
	char outside[64];

	(void)state;
	a = alloc_ok(64, 1);
	b = alloc_ok(16, 1);
	c = alloc_ok(8, 1);
	bitmap_buddy_stats(&bb, &before);
	assert_int_equal(bitmap_buddy_free(&bb, a + 8, 8, 1), -ENOTALLOC);   /* interior */
	assert_int_equal(bitmap_buddy_free(&bb, a + 32, 32, 1), -ENOTALLOC); /* interior */
	assert_int_equal(bitmap_buddy_free(&bb, a, 32, 1), -ENOTALLOC);      /* smaller order */
	assert_int_equal(bitmap_buddy_free(&bb, a, 128, 1), -ENOTALLOC);     /* larger order */
	assert_int_equal(bitmap_buddy_free(&bb, a + 1, 64, 1), -ENOTALLOC);  /* unaligned */
	assert_int_equal(bitmap_buddy_free(&bb, b, 8, 1), -ENOTALLOC);       /* leaf of a 16 */
	assert_int_equal(bitmap_buddy_free(&bb, c, 16, 1), -ENOTALLOC);      /* parent of a leaf */
	assert_int_equal(bitmap_buddy_free(&bb, buf + 2048, 8, 1), -ENOTALLOC); /* never handed */
	assert_int_equal(bitmap_buddy_free(&bb, buf + 2048, 2048, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, buf, 4 * KiB, 1), -ENOTALLOC); /* the root */
	assert_int_equal(bitmap_buddy_free(&bb, buf, 8 * KiB, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, outside, 8, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, buf + 4 * KiB, 8, 1), -ENOTALLOC); /* metadata */
	assert_int_equal(bitmap_buddy_free(&bb, NULL, 8, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, a, 0, 1), -EINVAL);
	assert_int_equal(bitmap_buddy_free(&bb, a, 64, 3), -EINVAL);
	assert_int_equal(bitmap_buddy_free(&bb, a, SIZE_MAX, 1), -EINVAL);
	bitmap_buddy_stats(&bb, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_valid();
	assert_int_equal(bitmap_buddy_free(&bb, a, 64, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, a, 64, 1), -ENOTALLOC); /* double free */
	assert_int_equal(bitmap_buddy_free(&bb, b, 16, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, b, 16, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_free(&bb, c, 8, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, c, 8, 1), -ENOTALLOC);
	assert_int_equal(used(), 0);
	assert_int_equal(value(12, 0), 12);
	assert_valid();
	free(buf);
}

static void add_region_grows_heap(void **state)
{
	char *first = heap_managing(4 * KiB);
	char *more[CONFIG_BITMAP_BUDDY_MAX_REGIONS];
	size_t second = bitmap_buddy_region_bytes(16 * KiB);
	struct byte_alloc_stats st;
	void *p, *q;

	(void)state;
	more[1] = region_alloc(second);
	assert_int_equal(bitmap_buddy_add_region(&bb, first + 100, 64), -EOVERLAP);
	assert_int_equal(bitmap_buddy_add_region(&bb, first - 8, 4 * KiB), -EOVERLAP);
	assert_int_equal(bitmap_buddy_add_region(&bb, more[1], 16), -EINVAL);
	assert_int_equal(bitmap_buddy_add_region(&bb, NULL, 4096), -EINVAL);
	assert_int_equal(bitmap_buddy_add_region(&bb, more[1], second), 0);
	assert_int_equal(bitmap_buddy_add_region(&bb, more[1] + 8, 64), -EOVERLAP);
	assert_int_equal(bb.nr_trees, 2);
	assert_int_equal(largest(), 16 * KiB);
	/* Too big for the first tree: lands in the second. */
	p = alloc_ok(8 * KiB, 1);
	assert_ptr_equal(p, more[1]);
	/* First fit across trees: the first tree added that has room. */
	q = alloc_ok(4 * KiB, 1);
	assert_ptr_equal(q, first);
	bitmap_buddy_stats(&bb, &st);
	assert_int_equal(st.total, bitmap_buddy_region_bytes(4 * KiB) + second);
	assert_int_equal(st.used, 12 * KiB);
	assert_int_equal(st.available, 8 * KiB);
	assert_int_equal(st.largest_free, 8 * KiB);
	assert_valid();
	for (int i = 2; i < CONFIG_BITMAP_BUDDY_MAX_REGIONS; i++) {
		more[i] = region_alloc(4096);
		assert_int_equal(bitmap_buddy_add_region(&bb, more[i], 4096), 0);
	}
	more[0] = region_alloc(4096);
	assert_int_equal(bitmap_buddy_add_region(&bb, more[0], 4096), -ENOMEM);
	assert_int_equal(bitmap_buddy_free(&bb, p, 8 * KiB, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, q, 4 * KiB, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, q, 4 * KiB, 1), -ENOTALLOC);
	assert_int_equal(used(), 0);
	assert_valid();
	for (int i = 0; i < CONFIG_BITMAP_BUDDY_MAX_REGIONS; i++)
		free(more[i]);
	free(first);
}

static void resize_in_place_shrinks_and_grows(void **state)
{
	char *buf = heap_managing(1 * KiB);
	char *p, *q;

	(void)state;
	p = alloc_ok(256, 1);
	assert_ptr_equal(p, buf);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p, 256, 20, 1), 0);
	assert_int_equal(used(), 32);
	assert_int_equal(value(5, 0), BITMAP_BUDDY_ALLOCATED);
	assert_int_equal(value(8, 0), 7);
	assert_valid();
	assert_int_equal(bitmap_buddy_free(&bb, p, 256, 1), -ENOTALLOC);
	q = alloc_ok(32, 1);
	assert_ptr_equal(q, buf + 32);
	/* Growing over a live buddy is refused and changes nothing. */
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p, 20, 64, 1), -ENOMEM);
	assert_int_equal(used(), 64);
	/* A block that does not start its larger buddy cannot grow either. */
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, q, 32, 64, 1), -ENOMEM);
	assert_int_equal(bitmap_buddy_free(&bb, q, 32, 1), 0);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p, 20, 512, 1), 0);
	assert_int_equal(value(9, 0), BITMAP_BUDDY_ALLOCATED);
	assert_int_equal(used(), 512);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p, 512, 2048, 1), -ENOMEM);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p, 512, 0, 1), -EINVAL);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p + 8, 8, 16, 1), -ENOTALLOC);
	assert_int_equal(bitmap_buddy_resize_in_place(&bb, p, 512, 8, 1), 0);
	assert_int_equal(value(3, 0), BITMAP_BUDDY_ALLOCATED);
	assert_int_equal(used(), 8);
	assert_valid();
	assert_int_equal(bitmap_buddy_free(&bb, p, 8, 1), 0);
	assert_int_equal(value(10, 0), 10);
	assert_valid();
	free(buf);
}

static void validator_catches_scribbles(void **state)
{
	char *buf = heap_managing(1 * KiB);
	void *a, *b;
	struct bitmap_buddy_tree *t = &bb.trees[0];

	(void)state;
	a = alloc_ok(64, 1);
	b = alloc_ok(8, 1);
	assert_valid();

	t->nodes[0] ^= 1; /* root */
	assert_corrupt();
	assert_non_null(strstr(why, "order 10 node 0"));
	t->nodes[0] ^= 1;
	assert_valid();

	t->nodes[1 + 2 + 4] = 2; /* order 7 node 0: an impossible value */
	assert_corrupt();
	assert_non_null(strstr(why, "order 7 node 0"));
	t->nodes[1 + 2 + 4] = 5;
	assert_valid();

	t->nodes[1 + 2 + 4 + 8 + 1] = BITMAP_BUDDY_ALLOCATED; /* live over the live leaf 8 */
	assert_corrupt();
	assert_non_null(strstr(why, "order 6 node 1"));
	t->nodes[1 + 2 + 4 + 8 + 1] = 5;
	assert_valid();

	t->leaf_free[0] ^= 2; /* leaf 1, under the live 64-byte block */
	assert_corrupt();
	t->leaf_free[0] ^= 2;
	t->whole16[0] |= 1u << 4; /* a 16-byte block over the live leaf 8 */
	assert_corrupt();
	assert_non_null(strstr(why, "order 4 node 4"));
	t->whole16[0] &= (uint8_t) ~(1u << 4);
	assert_valid();

	t->used += 8;
	assert_corrupt();
	assert_non_null(strstr(why, "used"));
	t->used -= 8;
	t->managed += 8;
	assert_corrupt();
	t->managed -= 8;
	bb.magic ^= 1;
	assert_corrupt();
	assert_int_equal(bitmap_buddy_alloc(&bb, 8, 1, &a), -EINVAL);
	bb.magic ^= 1;
	assert_valid();
	assert_int_equal(bitmap_buddy_free(&bb, a, 64, 1), 0);
	assert_int_equal(bitmap_buddy_free(&bb, b, 8, 1), 0);
	assert_valid();
	free(buf);
}

/* Random traffic against a shadow map: no overlap, contents survive, state stays valid. */
static void random_traffic_matches_shadow(void **state)
{
	enum { N = 512, HEAP = 64 * 1024 };
	char *buf = heap_managing(HEAP);
	struct {
		char *p;
		size_t size, align, block;
	} live[N];
	int nlive = 0;
	size_t expect_used = 0;

	(void)state;
	for (int step = 0; step < 40000; step++) {
		if (nlive < N && (next_rand() % 3 || nlive == 0)) {
			size_t size = 1 + next_rand() % (next_rand() % 8 ? 64 : 3000);
			size_t align = (size_t)1 << (next_rand() % 8);
			size_t block = 8;
			void *p;
			int err = bitmap_buddy_alloc(&bb, size, align, &p);

			while (block < size || block < align)
				block *= 2;
			if (err) {
				assert_int_equal(err, -ENOMEM);
				assert_true(largest() < block);
				continue;
			}
			assert_int_equal((uintptr_t)p % align, 0);
			assert_true((char *)p >= buf && (char *)p + size <= buf + HEAP);
			for (int i = 0; i < nlive; i++)
				assert_true((char *)p + size <= live[i].p ||
				            live[i].p + live[i].size <= (char *)p);
			memset(p, nlive & 0xff, size);
			live[nlive].p = p;
			live[nlive].size = size;
			live[nlive].align = align;
			live[nlive].block = block;
			nlive++;
			expect_used += block;
		} else {
			int v = (int)(next_rand() % (uint32_t)nlive);

			for (size_t i = 0; i < live[v].size; i++)
				assert_int_equal((unsigned char)live[v].p[i], (unsigned)v & 0xff);
			assert_int_equal(
			    bitmap_buddy_free(&bb, live[v].p, live[v].size, live[v].align), 0);
			expect_used -= live[v].block;
			live[v] = live[--nlive];
			if (nlive > v)
				memset(live[v].p, v & 0xff, live[v].size);
		}
		assert_int_equal(used(), expect_used);
		if (step % 2000 == 0)
			assert_valid();
	}
	while (nlive) {
		nlive--;
		assert_int_equal(
		    bitmap_buddy_free(&bb, live[nlive].p, live[nlive].size, live[nlive].align), 0);
	}
	assert_int_equal(value(16, 0), 16);
	assert_valid();
	free(buf);
}

static void ops_table_drives_allocator(void **state)
{
	const struct byte_allocator_ops *ops = &bitmap_buddy_byte_ops;
	_Alignas(16) static unsigned char storage[sizeof(struct bitmap_buddy)];
	size_t size = bitmap_buddy_region_bytes(128 * KiB);
	char *buf = region_alloc(size);
	struct byte_alloc_stats st;
	void *p;

	(void)state;
	assert_string_equal(ops->name, "bitmap_buddy");
	assert_int_equal(ops->state_size, sizeof(struct bitmap_buddy));
	assert_int_equal(ops->init(storage, buf, size), 0);
	assert_int_equal(ops->alloc(storage, 1000, 64, &p), 0);
	assert_int_equal((uintptr_t)p % 64, 0);
	assert_int_equal(ops->resize_in_place(storage, p, 1000, 2000, 64), 0);
	ops->stats(storage, &st);
	assert_int_equal(st.used, 2048);
	assert_int_equal(st.total, size);
	assert_int_equal(st.metadata, bitmap_buddy_metadata_bytes(size));
	assert_int_equal(st.metadata, 11 * 128 * KiB / 128 - 1);
	assert_int_equal(st.largest_free, 64 * KiB);
	assert_int_equal(st.available, st.total - st.used - st.metadata);
	assert_int_equal(ops->validate(storage, why, sizeof(why)), 0);
	assert_int_equal(ops->free(storage, p, 2000, 64), 0);
	assert_int_equal(ops->free(storage, p, 2000, 64), -ENOTALLOC);
	assert_int_equal(ops->add_region(storage, buf, 4096), -EOVERLAP);
	print_message("bitmap_buddy: 128 KiB heap: %zu bytes managed, %zu metadata (%.2f%%)\n",
	              st.total - st.metadata, st.metadata,
	              100.0 * (double)st.metadata / (double)st.total);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(metadata_bound_power_of_two_heaps),
	    cmocka_unit_test(metadata_bound_odd_heaps),
	    cmocka_unit_test(metadata_bytes_are_exact),
	    cmocka_unit_test(exact_tree_values),
	    cmocka_unit_test(first_fit_places_blocks_low),
	    cmocka_unit_test(usable_size_from_the_pointer),
	    cmocka_unit_test(mixed_trace_stays_low),
	    cmocka_unit_test(merge_restores_root),
	    cmocka_unit_test(tail_is_marked_allocated),
	    cmocka_unit_test(tail_of_large_odd_heap),
	    cmocka_unit_test(alignments_on_aligned_base),
	    cmocka_unit_test(alignments_on_misaligned_base),
	    cmocka_unit_test(bad_alignments),
	    cmocka_unit_test(bad_sizes_and_regions),
	    cmocka_unit_test(bad_frees_leave_state_intact),
	    cmocka_unit_test(add_region_grows_heap),
	    cmocka_unit_test(resize_in_place_shrinks_and_grows),
	    cmocka_unit_test(validator_catches_scribbles),
	    cmocka_unit_test(random_traffic_matches_shadow),
	    cmocka_unit_test(ops_table_drives_allocator),
	};
	return cmocka_run_group_tests_name("bitmap_buddy", tests, NULL, NULL);
}
