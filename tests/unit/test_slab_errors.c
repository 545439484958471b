// SPDX-License-Identifier: MIT
/*
 * Host tests of mm/slab.c: bad frees and allocations are refused with the heap left as it was,
 * double frees are caught (the free key, and CONFIG_ALLOC_DEBUG's live bitmap), and the validator
 * names the damage it finds.
 */
#include "test_slab.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bad_frees_leave_state_intact),
	    cmocka_unit_test(bad_allocs_are_refused),
	    cmocka_unit_test(validate_catches_corruption),
	    cmocka_unit_test(free_key_and_double_frees),
	};
	return cmocka_run_group_tests_name("slab_errors", tests, NULL, NULL);
}
