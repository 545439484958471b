// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "xorshift.h"

#include <string.h>

#include <bora/errno.h>
#include <bora/id_alloc.h>

/* Sized with the header's constant expression, as a kernel table would be. */
static uint64_t small_storage[id_storage_bytes(200) / 8];
static uint64_t big_storage[id_storage_bytes(1 << 20) / 8];

static void assert_valid(const struct id_bitmap *ib)
{
	char why[96] = "";

	if (id_bitmap_validate(ib, why, sizeof(why)))
		fail_msg("validate: %s", why);
}

static void storage_size_helper(void **state)
{
	(void)state;
	assert_int_equal(id_storage_bytes(1), 16);
	assert_int_equal(id_storage_bytes(64), 16);
	assert_int_equal(id_storage_bytes(65), 24);
	assert_int_equal(id_storage_bytes(4096), 64 * 8 + 8);
	assert_int_equal(id_storage_bytes(4097), 65 * 8 + 16);
	assert_int_equal(sizeof(small_storage), 4 * 8 + 8);
}

static void init_rejects_bad_storage(void **state)
{
	struct id_bitmap ib;

	(void)state;
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage) - 1, 200),
	                 -EINVAL);
	assert_int_equal(id_bitmap_init(&ib, (char *)small_storage + 4, 32, 100), -EINVAL);
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage), 0), -EINVAL);
	assert_int_equal(id_bitmap_init(&ib, small_storage, SIZE_MAX, SIZE_MAX), -EINVAL);
	assert_int_equal(id_bitmap_init(&ib, NULL, 64, 10), -EINVAL);
	assert_int_equal(id_bitmap_init(NULL, small_storage, sizeof(small_storage), 200), -EINVAL);
	memset(small_storage, 0xff, sizeof(small_storage));
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage), 200), 0);
	assert_int_equal(ib.used, 0);
	assert_false(id_bitmap_is_allocated(&ib, 0));
	assert_valid(&ib);
}

static void lowest_free_id_first(void **state)
{
	struct id_bitmap ib;
	size_t id;

	(void)state;
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage), 200), 0);
	for (size_t i = 0; i < 150; i++) {
		assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(id_bitmap_free(&ib, 70), 0);
	assert_int_equal(id_bitmap_free(&ib, 5), 0);
	assert_false(id_bitmap_is_allocated(&ib, 5));
	assert_valid(&ib);
	assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 5);
	assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 70);
	assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 150);
	assert_int_equal(ib.used, 151);
	assert_valid(&ib);
}

static void capacity_is_exact(void **state)
{
	struct id_bitmap ib;
	size_t id = 12345;

	(void)state;
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage), 130), 0);
	for (size_t i = 0; i < 130; i++)
		assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 129);
	id = 12345;
	assert_int_equal(id_bitmap_alloc(&ib, &id), -ENOMEM);
	assert_int_equal(id, 12345);
	assert_int_equal(ib.used, 130);
	assert_false(id_bitmap_is_allocated(&ib, 130)); /* padding is not an id */
	assert_int_equal(id_bitmap_free(&ib, 130), -EINVAL);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, 130), -EINVAL);
	assert_valid(&ib);
	assert_int_equal(id_bitmap_free(&ib, 64), 0);
	assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 64);
	assert_valid(&ib);
}

static void fixed_ids_and_bad_frees(void **state)
{
	struct id_bitmap ib;
	size_t id;

	(void)state;
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage), 200), 0);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, 0), 0);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, 2), 0);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, 199), 0);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, 2), -EEXIST);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, 200), -EINVAL);
	assert_int_equal(id_bitmap_alloc_fixed(&ib, SIZE_MAX), -EINVAL);
	assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	assert_int_equal(id, 3);
	assert_int_equal(ib.used, 5);
	assert_int_equal(id_bitmap_free(&ib, 4), -ENOTALLOC);
	assert_int_equal(id_bitmap_free(&ib, 2), 0);
	assert_int_equal(id_bitmap_free(&ib, 2), -ENOTALLOC);
	assert_int_equal(id_bitmap_free(&ib, 200), -EINVAL);
	assert_int_equal(id_bitmap_alloc(&ib, NULL), -EINVAL);
	assert_int_equal(ib.used, 4);
	assert_valid(&ib);
}

/*
 * A million ids: fill, then random churn that keeps at most 64 ids free, so
 * the expected "lowest free id" is the minimum of a small set.
 */
static void million_ids_random_churn(void **state)
{
	enum { CAP = 1 << 20, MAX_FREE = 64 };
	static uint8_t shadow[CAP];
	size_t free_ids[MAX_FREE], nfree = 0, id;
	struct id_bitmap ib;

	(void)state;
	rng_state = 0x2545f4914f6cdd1dULL;
	memset(shadow, 0, sizeof(shadow));
	assert_int_equal(id_bitmap_init(&ib, big_storage, sizeof(big_storage), CAP), 0);
	for (size_t i = 0; i < CAP; i++) {
		assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
		assert_int_equal(id, i);
		shadow[id] = 1;
	}
	assert_int_equal(id_bitmap_alloc(&ib, &id), -ENOMEM);
	assert_valid(&ib);
	for (int step = 0; step < 400000; step++) {
		if (nfree < MAX_FREE && (nfree == 0 || rng() % 2)) {
			size_t victim = rng() % CAP;

			assert_int_equal(id_bitmap_free(&ib, victim),
			                 shadow[victim] ? 0 : -ENOTALLOC);
			if (shadow[victim])
				free_ids[nfree++] = victim;
			shadow[victim] = 0;
		} else {
			size_t lowest = 0;

			for (size_t i = 1; i < nfree; i++)
				if (free_ids[i] < free_ids[lowest])
					lowest = i;
			assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
			assert_int_equal(id, free_ids[lowest]);
			shadow[id] = 1;
			free_ids[lowest] = free_ids[--nfree];
		}
		if (step % 40000 == 0)
			assert_valid(&ib);
	}
	assert_int_equal(ib.used, CAP - nfree);
	assert_valid(&ib);
	for (size_t i = 0; i < CAP; i++)
		if (id_bitmap_is_allocated(&ib, i) != shadow[i])
			fail_msg("id %zu: bitmap and shadow disagree", i);
}

static void validator_catches_corruption(void **state)
{
	struct id_bitmap ib;
	char why[96];
	size_t id;

	(void)state;
	assert_int_equal(id_bitmap_init(&ib, small_storage, sizeof(small_storage), 200), 0);
	for (int i = 0; i < 70; i++)
		assert_int_equal(id_bitmap_alloc(&ib, &id), 0);
	ib.map[3] &= ~((uint64_t)1 << 63); /* padding id 255 */
	assert_int_equal(id_bitmap_validate(&ib, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "padding"));
	ib.map[3] |= (uint64_t)1 << 63;
	ib.full[0] &= ~(uint64_t)1;
	assert_int_equal(id_bitmap_validate(&ib, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "summary"));
	ib.full[0] |= 1;
	ib.used++;
	assert_int_equal(id_bitmap_validate(&ib, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "used"));
	ib.used--;
	ib.hint = 2;
	assert_int_equal(id_bitmap_validate(&ib, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "hint"));
	ib.hint = 1;
	assert_valid(&ib);
}

static void ops_table_drives_the_allocator(void **state)
{
	const struct id_allocator_ops *ops = &bitmap_id_ops;
	_Alignas(16) unsigned char st[sizeof(struct id_bitmap)];
	size_t id;

	(void)state;
	assert_string_equal(ops->name, "bitmap");
	assert_true(ops->state_size <= sizeof(st));
	assert_int_equal(ops->init(st, small_storage, sizeof(small_storage), 10), 0);
	assert_int_equal(ops->capacity(st), 10);
	assert_int_equal(ops->alloc_fixed(st, 0), 0);
	assert_int_equal(ops->alloc(st, &id), 0);
	assert_int_equal(id, 1);
	assert_true(ops->is_allocated(st, 1));
	assert_int_equal(ops->used(st), 2);
	assert_int_equal(ops->free(st, 1), 0);
	assert_int_equal(ops->free(st, 1), -ENOTALLOC);
	assert_int_equal(ops->validate(st, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(storage_size_helper),
	    cmocka_unit_test(init_rejects_bad_storage),
	    cmocka_unit_test(lowest_free_id_first),
	    cmocka_unit_test(capacity_is_exact),
	    cmocka_unit_test(fixed_ids_and_bad_frees),
	    cmocka_unit_test(million_ids_random_churn),
	    cmocka_unit_test(validator_catches_corruption),
	    cmocka_unit_test(ops_table_drives_the_allocator),
	};
	return cmocka_run_group_tests_name("id_alloc", tests, NULL, NULL);
}
