// SPDX-License-Identifier: MIT
/*
 * Host tests of mm/slab.c: where its pages come from and how an object finds its slab (the page
 * map): lookups, cached slabs reaped under pressure, a heap without a free page, regions that start
 * and end off a unit boundary, and added regions.
 */
#include "test_slab.h"

static void object_to_slab_lookup(void **state)
{
	struct slab_hdr *h;
	uint8_t *p;

	(void)state;
	init(ARENA);
	/* 2 KiB objects live in 4-page slabs: every byte of every object maps back. */
	p = xalloc(2048, 1);
	h = slab_lookup(&S, p);
	assert_non_null(h);
	assert_int_equal(h->cls, 7);
	assert_true(IS_ALIGNED((uintptr_t)h, 4 * PAGE_SIZE));
	for (size_t off = 0; off < 4 * PAGE_SIZE; off += 64)
		assert_ptr_equal(slab_lookup(&S, (uint8_t *)h + off), h);
	assert_null(slab_lookup(&S, (uint8_t *)h + 4 * PAGE_SIZE));
	assert_null(slab_lookup(&S, arena - 64));
	assert_null(slab_lookup(&S, NULL));
	assert_int_equal(slab_free(&S, p, 2048, 1), 0);
	assert_valid();
}

/* Cached empty slabs give their pages back when a request needs them. */
static void cached_slabs_are_reaped_under_pressure(void **state)
{
	struct byte_alloc_stats st0, st, pst;
	void *objs[SLAB_CLASSES];
	void *p, *hold;

	(void)state;
	init(128 << 10);
	stats(&st0);
	/* Keep the largest block out, so the slabs share the rest with the buddy. */
	hold = xalloc(st0.largest_free, 1);
	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		objs[c] = xalloc((size_t)16 << c, 1);
	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		assert_int_equal(slab_free(&S, objs[c], (size_t)16 << c, 1), 0);
	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		assert_non_null(S.cls[c].cached);
	stats(&st);
	assert_int_equal(st.used, st0.largest_free);
	/* The largest block is reported as if the cached slabs were already gone... */
	buddy_stats(&S.pages, &pst);
	assert_true(pst.largest_free < st.largest_free);
	assert_int_equal(st.largest_free, st0.largest_free / 2);
	/* ...and a request for it reaps them. */
	assert_int_equal(slab_alloc(&S, st.largest_free, 1, &p), 0);
	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		assert_null(S.cls[c].cached);
	assert_int_equal(S.cached_bytes, 0);
	assert_valid();
	assert_int_equal(slab_free(&S, p, st.largest_free, 1), 0);
	assert_int_equal(slab_free(&S, hold, st0.largest_free, 1), 0);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
}

/* With no page left, small requests still fit in classes with free objects. */
static void full_heap_falls_back_on_free_objects(void **state)
{
	static void *pages[64];
	struct byte_alloc_stats st;
	size_t n = 0;
	void *p, *q;

	(void)state;
	init(128 << 10);
	p = xalloc(16, 1);
	while (slab_alloc(&S, PAGE_SIZE, 1, &pages[n]) == 0)
		n++;
	stats(&st);
	/* Only the 16-byte class has free objects: nothing bigger may be promised. */
	assert_int_equal(st.largest_free, 16);
	assert_int_equal(slab_alloc(&S, 17, 1, &q), -ENOMEM);
	stats(&st);
	assert_true(st.largest_free < 17);
	q = xalloc(16, 1);
	assert_ptr_equal(slab_lookup(&S, q), slab_lookup(&S, p));
	assert_valid();
	while (n)
		assert_int_equal(slab_free(&S, pages[--n], PAGE_SIZE, 1), 0);
	assert_int_equal(slab_free(&S, p, 16, 1), 0);
	assert_int_equal(slab_free(&S, q, 16, 1), 0);
	assert_valid();
}

/*
 * A region that starts and ends off a unit boundary: the page map counts units
 * from the start rounded down, so the bytes before the start and after the end
 * that share a unit with the region must still be refused, and every object,
 * the first and last slab's included, is freed.
 */
static void unaligned_region_edges(void **state)
{
	static void *objs[8192];
	const size_t off = 200, size = (300 << 10) + 40;
	uint8_t *start = arena + off, *end = start + size;
	struct byte_alloc_stats st0, st;
	size_t n = 0;

	(void)state;
	assert_int_equal(slab_init(&S, start, size), 0);
	assert_valid();
	while (n < ARRAY_SIZE(objs) && slab_alloc(&S, 64, 1, &objs[n]) == 0)
		n++;
	assert_true(n > 1000);
	stats(&st0);
	for (uint8_t *p = arena; p < start; p += 8)
		assert_int_equal(slab_free(&S, p, 64, 1), -ENOTALLOC);
	for (uint8_t *p = end; p < arena + ALIGN_UP(off + size, PAGE_SIZE) + 64; p += 8)
		assert_int_equal(slab_free(&S, p, 64, 1), -ENOTALLOC);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(slab_free(&S, objs[i], 64, 1), 0);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_valid();
}

static void add_region_serves_slabs(void **state)
{
	struct byte_alloc_stats st;
	static void *objs[4096];
	size_t n = 0, in2 = 0;

	(void)state;
	assert_int_equal(slab_init(&S, arena, 64 << 10), 0);
	assert_int_equal(slab_add_region(&S, arena + (32 << 10), 4096), -EOVERLAP);
	assert_int_equal(slab_add_region(&S, arena + (512 << 10), 256 << 10), 0);
	assert_valid();
	while (n < ARRAY_SIZE(objs) && slab_alloc(&S, 256, 1, &objs[n]) == 0) {
		if ((uint8_t *)objs[n] >= arena + (512 << 10))
			in2++;
		n++;
	}
	assert_true(in2 > 0);
	stats(&st);
	assert_int_equal(st.used, n * 256);
	assert_valid();
	while (n)
		assert_int_equal(slab_free(&S, objs[--n], 256, 1), 0);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_valid();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(object_to_slab_lookup),
	    cmocka_unit_test(cached_slabs_are_reaped_under_pressure),
	    cmocka_unit_test(full_heap_falls_back_on_free_objects),
	    cmocka_unit_test(unaligned_region_edges),
	    cmocka_unit_test(add_region_serves_slabs),
	};
	return cmocka_run_group_tests_name("slab_pages", tests, NULL, NULL);
}
