// SPDX-License-Identifier: MIT
/* Host tests of mm/slab.c (and the page-unit buddy under it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/slab.h>

#define ARENA ((size_t)1 << 20)

static uint8_t arena[ARENA] __attribute__((aligned(1 << 16)));
static struct slab S;

static void assert_valid(void)
{
	char why[128] = "";
	int err = slab_validate(&S, why, sizeof(why));

	if (err)
		fail_msg("validate: %s (%s)", errno_name(err), why);
}

static void stats(struct byte_alloc_stats *st)
{
	slab_stats(&S, st);
}

static void init(size_t size)
{
	assert_int_equal(slab_init(&S, arena, size), 0);
	assert_valid();
}

static void *xalloc(size_t size, size_t align)
{
	void *p = NULL;

	assert_int_equal(slab_alloc(&S, size, align, &p), 0);
	assert_non_null(p);
	memset(p, 0xa5, size);
	return p;
}

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

static void bad_frees_leave_state_intact(void **state)
{
	struct byte_alloc_stats st0, st;
	uint8_t outside[64];
	uint8_t *a, *b, *big, *gone;

	(void)state;
	init(ARENA);
	a = xalloc(100, 1); /* 128-byte class */
	b = xalloc(100, 1); /* same slab, keeps it partial */
	big = xalloc(5000, 1);
	gone = xalloc(100, 1);
	assert_int_equal(slab_free(&S, gone, 100, 1), 0);
	stats(&st0);

	assert_int_equal(slab_free(&S, outside, 16, 1), -ENOTALLOC);
	assert_int_equal(slab_free(&S, NULL, 16, 1), -ENOTALLOC);
	assert_int_equal(slab_free(&S, a + 8, 100, 1), -ENOTALLOC);       /* interior */
	assert_int_equal(slab_free(&S, a + 128 * 8, 100, 1), -ENOTALLOC); /* never handed out */
	assert_int_equal(slab_free(&S, (uint8_t *)slab_lookup(&S, a), 100, 1), -ENOTALLOC);
	assert_int_equal(slab_free(&S, gone, 100, 1), -ENOTALLOC); /* double free */
#ifdef CONFIG_ALLOC_DEBUG
	assert_int_equal(slab_free(&S, a, 16, 1), -EINVAL); /* wrong class */
#endif
	assert_int_equal(slab_free(&S, a, 200, 1), -EINVAL);   /* larger than the object */
	assert_int_equal(slab_free(&S, a, 100, 256), -EINVAL); /* wrong class by align */
	assert_int_equal(slab_free(&S, a, 5000, 1), -EINVAL);
	assert_int_equal(slab_free(&S, a, 0, 1), -EINVAL);
	assert_int_equal(slab_free(&S, a, 100, 3), -EINVAL);
	assert_int_equal(slab_free(&S, big, 100000, 1), -EINVAL);
	assert_int_equal(slab_free(&S, big + PAGE_SIZE, 5000, 1), -ENOTALLOC);
	assert_int_equal(slab_free(&S, big + 16, 5000, 1), -ENOTALLOC);
	assert_int_equal(slab_resize_in_place(&S, a + 8, 100, 100, 1), -ENOTALLOC);
	assert_int_equal(slab_resize_in_place(&S, a, 100, 0, 1), -EINVAL);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_valid();

	assert_int_equal(slab_free(&S, a, 128, 8), 0); /* same class: accepted */
	assert_int_equal(slab_free(&S, a, 100, 1), -ENOTALLOC);
	assert_int_equal(slab_free(&S, b, 100, 1), 0);
	assert_int_equal(slab_free(&S, big, 5000, 1), 0);
	assert_int_equal(slab_free(&S, big, 5000, 1), -ENOTALLOC);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_valid();
}

static void bad_allocs_are_refused(void **state)
{
	void *out = (void *)0x1234;

	(void)state;
	init(128 << 10);
	assert_int_equal(slab_alloc(&S, 0, 1, &out), -EINVAL);
	assert_int_equal(slab_alloc(&S, 16, 3, &out), -EINVAL);
	assert_int_equal(slab_alloc(&S, 16, 0, &out), -EINVAL);
	assert_int_equal(slab_alloc(&S, SIZE_MAX, 1, &out), -EINVAL);
	assert_int_equal(slab_alloc(&S, 1 << 20, 1, &out), -ENOMEM);
	assert_int_equal(slab_alloc(&S, 16, 1 << 20, &out), -ENOMEM);
	assert_ptr_equal(out, (void *)0x1234);
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

static void validate_catches_corruption(void **state)
{
	struct slab_hdr *h;
	char why[128];
	void *p, *saved;

	(void)state;
	init(ARENA);
	p = xalloc(64, 1);
	xalloc(64, 1);
	h = slab_lookup(&S, p);
	/* Point a free-list link at a live object. */
	saved = *(void **)h->free;
	*(void **)h->free = p;
	assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
	assert_string_equal(why, "live object on the free list");
	*(void **)h->free = saved;
	assert_valid();
	h->inuse++;
	assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
	assert_string_equal(why, "free-list length and in-use count differ");
	h->inuse--;
	h->list = SLAB_ON_FULL;
	assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
	h->list = SLAB_ON_PARTIAL;
	S.active_bytes++;
	assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
	assert_string_equal(why, "slab byte counters wrong");
	S.active_bytes--;
	assert_valid();
	/* A page-map byte naming no slab, or the wrong class, is caught. */
	{
		const struct slab_region *r = &S.regions[0];
		uint8_t *m = (uint8_t *)r->start + (((uintptr_t)h - r->base) >> S.unit_shift);

		*m = 1;
		assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
		assert_string_equal(why, "page map does not name the slab's class");
		*m = SLAB_MAP_VALUE(h->cls);
		m[-1] = 3;
		assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
		m[-1] = 0;
	}
	assert_valid();
}

/*
 * A free object carries the free key (its slab header's address) in its second
 * word: a double free is refused even though no bitmap is kept outside
 * CONFIG_ALLOC_DEBUG, and a live object whose data happens to hold the key is
 * still freed (the key is only a hint, confirmed on the slab's free list). With
 * CONFIG_ALLOC_DEBUG the live bitmap decides, so a double free is refused even
 * after a write-after-free wiped the key.
 */
static void free_key_and_double_frees(void **state)
{
	uintptr_t *a, *b, *c, key;

	(void)state;
	init(ARENA);
	assert_int_equal(slab_alloc(&S, 64, 1, (void **)&a), 0);
	assert_int_equal(a[1], 0); /* the key is cleared when an object is handed out */
	b = xalloc(64, 1);
	c = xalloc(64, 1);
	key = (uintptr_t)slab_lookup(&S, b);
	assert_true(key != 0 && key == (uintptr_t)slab_lookup(&S, a));
	b[1] = key; /* user data that looks like the key */
	assert_int_equal(slab_free(&S, b, 64, 1), 0);
	assert_int_equal(b[1], key);
	assert_int_equal(slab_free(&S, b, 64, 1), -ENOTALLOC);
	assert_int_equal(slab_usable_size(&S, b), 0);
	assert_int_equal(slab_usable_size(&S, a), 64);
	assert_int_equal(slab_free(&S, a, 64, 1), 0);
	a[1] = 0; /* a write after free wipes the key */
#ifdef CONFIG_ALLOC_DEBUG
	assert_int_equal(slab_free(&S, a, 64, 1), -ENOTALLOC);
	assert_int_equal(slab_usable_size(&S, a), 0);
#else
	/* Outside debug builds only the validator notices. */
	assert_int_equal(slab_usable_size(&S, a), 64);
	{
		char why[128];

		assert_int_equal(slab_validate(&S, why, sizeof(why)), -ECORRUPT);
		assert_string_equal(why, "live object on the free list");
	}
#endif
	a[1] = key;
	assert_valid();
	assert_int_equal(slab_free(&S, c, 64, 1), 0);
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
	    cmocka_unit_test(class_selection),
	    cmocka_unit_test(geometry_follows_the_one_eighth_rule),
	    cmocka_unit_test(partial_full_partial_transitions),
	    cmocka_unit_test(empty_slabs_go_back_but_one_is_cached),
	    cmocka_unit_test(large_requests_bypass_the_slabs),
	    cmocka_unit_test(object_to_slab_lookup),
	    cmocka_unit_test(bad_frees_leave_state_intact),
	    cmocka_unit_test(bad_allocs_are_refused),
	    cmocka_unit_test(cached_slabs_are_reaped_under_pressure),
	    cmocka_unit_test(full_heap_falls_back_on_free_objects),
	    cmocka_unit_test(tiny_heap_uses_a_smaller_unit),
	    cmocka_unit_test(resize_in_place_within_class_or_buddy),
	    cmocka_unit_test(validate_catches_corruption),
	    cmocka_unit_test(free_key_and_double_frees),
	    cmocka_unit_test(unaligned_region_edges),
	    cmocka_unit_test(add_region_serves_slabs),
	};
	return cmocka_run_group_tests_name("slab", tests, NULL, NULL);
}
