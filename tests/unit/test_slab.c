// SPDX-License-Identifier: MIT
/*
 * Host tests of mm/slab.c (and the page-unit buddy under it): size classes, slab geometry and the
 * partial, full and cached lists of a class, the large requests that bypass the slabs, and resizing
 * in place. test_slab_pages.c and test_slab_errors.c hold the rest.
 */
#include "test_slab.h"

static size_t list_len(const struct slab_hdr *h)
{
	size_t n = 0;

	for (; h; h = h->next)
		n++;
	return n;
}

static void class_selection(void **state)
{
	static const struct {
		size_t size, align;
		int cls;
	} cases[] = {
	    {1, 1, 0},     {16, 1, 0},    {17, 1, 1},        {32, 1, 1},    {33, 8, 2},
	    {100, 1, 3},   {128, 1, 3},   {129, 1, 4},       {1000, 1, 6},  {2048, 1, 7},
	    {2049, 1, -1}, {16, 64, 2},   {1, 2048, 7},      {8, 4096, -1}, {4096, 1, -1},
	    {24, 16, 1},   {500, 512, 5}, {SIZE_MAX, 1, -1},
	};
	struct byte_alloc_stats st;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(slab_class_for(cases[i].size, cases[i].align), cases[i].cls);

	init(ARENA);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct slab_hdr *h;
		size_t obj;
		void *p;

		if (cases[i].cls < 0 || cases[i].size > ARENA)
			continue;
		p = xalloc(cases[i].size, cases[i].align);
		obj = (size_t)16 << cases[i].cls;
		h = slab_lookup(&S, p);
		assert_non_null(h);
		assert_int_equal(h->cls, cases[i].cls);
		/* Objects are naturally aligned to their class. */
		assert_true(((uintptr_t)p & (obj - 1)) == 0);
		stats(&st);
		assert_true(st.used >= obj);
		assert_int_equal(slab_free(&S, p, cases[i].size, cases[i].align), 0);
		stats(&st);
		assert_int_equal(st.used, 0);
	}
	assert_valid();
}

static void geometry_follows_the_one_eighth_rule(void **state)
{
	(void)state;
	init(ARENA);
	assert_int_equal(S.pages.unit_shift, PAGE_SHIFT);
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		const struct slab_class *sc = &S.cls[c];
		size_t bytes = buddy_block_bytes(&S.pages, sc->order), obj = (size_t)16 << c;

		assert_true(sc->nobjs >= 1 && sc->nobjs <= SLAB_MAX_OBJS);
		assert_true(sc->first >= sizeof(struct slab_hdr));
		assert_true(sc->first + sc->nobjs * obj <= bytes);
		assert_true((bytes - sc->nobjs * obj) * 8 <= bytes);
	}
	/* 16 B objects: one page, header rounded up to 64 bytes. */
	assert_int_equal(S.cls[0].order, 0);
	assert_int_equal(S.cls[0].nobjs, (PAGE_SIZE - S.cls[0].first) / 16);
	assert_int_equal(S.cls[7].order, 2);
	assert_int_equal(S.cls[7].nobjs, 7);
}

static void partial_full_partial_transitions(void **state)
{
	const unsigned c = 2; /* 64-byte objects */
	struct slab_class *sc = &S.cls[c];
	void *objs[SLAB_MAX_OBJS + 1];
	struct slab_hdr *first;
	unsigned n;

	(void)state;
	init(ARENA);
	n = sc->nobjs;
	objs[0] = xalloc(64, 1);
	first = slab_lookup(&S, objs[0]);
	assert_ptr_equal(sc->partial, first);
	assert_int_equal(first->list, SLAB_ON_PARTIAL);
	for (unsigned i = 1; i < n; i++) {
		objs[i] = xalloc(50, 1);
		assert_ptr_equal(slab_lookup(&S, objs[i]), first);
		/* Address order inside a fresh slab. */
		assert_ptr_equal(objs[i], (uint8_t *)objs[i - 1] + 64);
	}
	assert_null(sc->partial);
	assert_ptr_equal(sc->full, first);
	assert_int_equal(first->list, SLAB_ON_FULL);
	assert_int_equal(first->inuse, n);
	assert_valid();

	/* One more: a second slab, on the partial list. */
	objs[n] = xalloc(64, 1);
	assert_ptr_not_equal(slab_lookup(&S, objs[n]), first);
	assert_int_equal(list_len(sc->partial), 1);
	assert_int_equal(sc->nslabs, 2);

	/* Free from the full slab: it moves back to partial, and serves the next alloc. */
	assert_int_equal(slab_free(&S, objs[3], 64, 1), 0);
	assert_int_equal(first->list, SLAB_ON_PARTIAL);
	assert_null(sc->full);
	assert_int_equal(list_len(sc->partial), 2);
	assert_ptr_equal(sc->partial, first);
	assert_ptr_equal(xalloc(64, 1), objs[3]);
	assert_int_equal(first->list, SLAB_ON_FULL);
	assert_valid();
	for (unsigned i = 0; i <= n; i++)
		assert_int_equal(slab_free(&S, objs[i], 64, 1), 0);
	assert_valid();
}

static void empty_slabs_go_back_but_one_is_cached(void **state)
{
	const unsigned c = 1; /* 32-byte objects */
	struct slab_class *sc = &S.cls[c];
	static void *objs[3 * SLAB_MAX_OBJS];
	struct byte_alloc_stats st0, st;
	size_t n, page_used0, slab_size;
	struct slab_hdr *a, *b, *cached;

	(void)state;
	init(ARENA);
	stats(&st0);
	page_used0 = S.pages.used;
	n = 2 * sc->nobjs + 1; /* three slabs */
	for (size_t i = 0; i < n; i++)
		objs[i] = xalloc(32, 1);
	slab_size = buddy_block_bytes(&S.pages, sc->order);
	assert_int_equal(sc->nslabs, 3);
	assert_int_equal(S.pages.used - page_used0, 3 * slab_size);
	a = slab_lookup(&S, objs[0]);
	b = slab_lookup(&S, objs[sc->nobjs]);

	/* Empty slab a: kept as the cached one. */
	for (size_t i = 0; i < sc->nobjs; i++)
		assert_int_equal(slab_free(&S, objs[i], 32, 1), 0);
	assert_ptr_equal(sc->cached, a);
	assert_int_equal(a->list, SLAB_CACHED);
	assert_int_equal(sc->nslabs, 2);
	assert_int_equal(S.pages.used - page_used0, 3 * slab_size);
	/* Empty slab b too: a is still cached, b goes back to the buddy. */
	for (size_t i = sc->nobjs; i < 2 * sc->nobjs; i++)
		assert_int_equal(slab_free(&S, objs[i], 32, 1), 0);
	assert_ptr_equal(sc->cached, a);
	assert_int_equal(sc->nslabs, 1);
	assert_int_equal(S.pages.used - page_used0, 2 * slab_size);
	assert_int_equal(buddy_lookup(&S.pages, b, NULL, NULL), -ENOTALLOC);
	assert_valid();

	/* The cached slab is not "used": stats see it as available. */
	assert_int_equal(slab_free(&S, objs[n - 1], 32, 1), 0);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.available, st0.available);
	assert_int_equal(st.largest_free, st0.largest_free);
	cached = sc->cached;
	assert_non_null(cached);
	/* The next allocation of the class reuses it. */
	void *again = xalloc(20, 1);
	assert_ptr_equal(slab_lookup(&S, again), cached);
	assert_null(sc->cached);
	assert_int_equal(cached->list, SLAB_ON_PARTIAL);
	assert_int_equal(slab_free(&S, again, 20, 1), 0);
	assert_ptr_equal(sc->cached, cached);
	assert_int_equal(slab_reap(&S), slab_size);
	assert_null(sc->cached);
	assert_int_equal(S.pages.used, page_used0);
	assert_valid();
}

static void large_requests_bypass_the_slabs(void **state)
{
	struct byte_alloc_stats st0, st;
	unsigned order;
	bool mark;
	void *p, *q;

	(void)state;
	init(ARENA);
	stats(&st0);
	p = xalloc(2049, 1);
	assert_null(slab_lookup(&S, p));
	assert_int_equal(buddy_lookup(&S.pages, p, &order, &mark), 0);
	assert_int_equal(order, 0);
	assert_false(mark);
	q = xalloc(3 * PAGE_SIZE, 1);
	assert_true(((uintptr_t)q & (4 * PAGE_SIZE - 1)) == 0);
	stats(&st);
	assert_int_equal(st.used, 5 * PAGE_SIZE);
	/* An alignment above 2 KiB bypasses too, even for a small size. */
	void *r = xalloc(8, 8192);
	assert_null(slab_lookup(&S, r));
	assert_true(((uintptr_t)r & 8191) == 0);
	assert_int_equal(slab_free(&S, r, 8, 8192), 0);
	assert_int_equal(slab_free(&S, q, 3 * PAGE_SIZE, 1), 0);
	assert_int_equal(slab_free(&S, p, 2049, 1), 0);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_valid();
}

static void tiny_heap_uses_a_smaller_unit(void **state)
{
	struct byte_alloc_stats st;
	void *p[8];

	(void)state;
	init(4096);
	assert_true(S.pages.unit_shift < PAGE_SHIFT);
	stats(&st);
	assert_true(st.available >= 3072);
	for (unsigned i = 0; i < 8; i++)
		p[i] = xalloc(1 + i * 37, 1);
	assert_valid();
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(slab_free(&S, p[i], 1 + i * 37, 1), 0);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_valid();
}

static void resize_in_place_within_class_or_buddy(void **state)
{
	void *p, *big;

	(void)state;
	init(ARENA);
	p = xalloc(40, 1); /* 64-byte class */
	assert_int_equal(slab_resize_in_place(&S, p, 40, 64, 1), 0);
	assert_int_equal(slab_resize_in_place(&S, p, 64, 33, 1), 0);
	assert_int_equal(slab_resize_in_place(&S, p, 33, 65, 1), -ENOMEM);
	assert_int_equal(slab_resize_in_place(&S, p, 33, 16, 1), -ENOMEM);
#ifdef CONFIG_ALLOC_DEBUG
	assert_int_equal(slab_resize_in_place(&S, p, 16, 33, 1), -EINVAL); /* wrong old class */
#else
	assert_int_equal(slab_resize_in_place(&S, p, 16, 33, 1), 0); /* 16 fits the object */
#endif
	assert_int_equal(slab_resize_in_place(&S, p, 65, 33, 1), -EINVAL);
	big = xalloc(2 * PAGE_SIZE, 1);
	assert_int_equal(slab_resize_in_place(&S, big, 2 * PAGE_SIZE, PAGE_SIZE, 1), 0);
	assert_int_equal(slab_resize_in_place(&S, big, PAGE_SIZE, 2 * PAGE_SIZE, 1), 0);
	assert_int_equal(slab_free(&S, big, PAGE_SIZE, 1), -EINVAL);
	assert_int_equal(slab_free(&S, big, 2 * PAGE_SIZE, 1), 0);
	assert_int_equal(slab_free(&S, p, 50, 1), 0);
	assert_valid();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(class_selection),
	    cmocka_unit_test(geometry_follows_the_one_eighth_rule),
	    cmocka_unit_test(partial_full_partial_transitions),
	    cmocka_unit_test(empty_slabs_go_back_but_one_is_cached),
	    cmocka_unit_test(large_requests_bypass_the_slabs),
	    cmocka_unit_test(tiny_heap_uses_a_smaller_unit),
	    cmocka_unit_test(resize_in_place_within_class_or_buddy),
	};
	return cmocka_run_group_tests_name("slab", tests, NULL, NULL);
}
