// SPDX-License-Identifier: MIT
/* ASID assignment: keep, fresh id, recycling by generation, ASIDs off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bora/asid.h>

struct space {
	uint16_t asid;
	uint64_t gen;
};

static struct asid_space s;

static void no_asids_means_flush_every_time(void **state)
{
	struct space a = {0};

	(void)state;
	asid_space_init(&s, 0, 0);
	assert_false(asid_enabled(&s));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(asid_assign(&s, &a.asid, &a.gen), ASID_FLUSH_ALL);
		assert_int_equal(a.asid, 0);
	}
	asid_release(&s, a.asid, a.gen);
	assert_int_equal(asid_used(&s), 0);
	/* A limit of 1 leaves only the kernel's id: the same as none. */
	asid_space_init(&s, 16, 1);
	assert_false(asid_enabled(&s));
	assert_int_equal(asid_assign(&s, &a.asid, &a.gen), ASID_FLUSH_ALL);
}

static void width_and_limit_set_the_count(void **state)
{
	(void)state;
	asid_space_init(&s, 16, 0);
	assert_int_equal(s.nr, 65536);
	asid_space_init(&s, 9, 0);
	assert_int_equal(s.nr, 512);
	asid_space_init(&s, 9, 4);
	assert_int_equal(s.nr, 4);
	asid_space_init(&s, 2, 100);
	assert_int_equal(s.nr, 4);
	assert_int_equal(asid_used(&s), 1); /* the kernel's 0 */
}

static void a_space_keeps_its_asid(void **state)
{
	struct space a = {0};

	(void)state;
	asid_space_init(&s, 16, 0);
	assert_int_equal(asid_assign(&s, &a.asid, &a.gen), ASID_FLUSH_ONE);
	assert_int_not_equal(a.asid, 0);
	for (int i = 0; i < 5; i++) {
		uint16_t before = a.asid;

		assert_int_equal(asid_assign(&s, &a.asid, &a.gen), ASID_KEEP);
		assert_int_equal(a.asid, before);
	}
	assert_int_equal(s.rollovers, 0);
}

static void exhaustion_starts_a_generation(void **state)
{
	struct space sp[4] = {0};

	(void)state;
	asid_space_init(&s, 16, 4); /* ids 1, 2, 3 for spaces */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(asid_assign(&s, &sp[i].asid, &sp[i].gen), ASID_FLUSH_ONE);
		assert_int_equal(sp[i].asid, i + 1);
		assert_int_equal(sp[i].gen, 1);
	}
	assert_int_equal(asid_assign(&s, &sp[3].asid, &sp[3].gen), ASID_FLUSH_ALL);
	assert_int_equal(sp[3].gen, 2);
	assert_int_equal(sp[3].asid, 1);
	assert_int_equal(s.rollovers, 1);
	/* The old generation's spaces get new ids when they next run, no full flush. */
	assert_int_equal(asid_assign(&s, &sp[0].asid, &sp[0].gen), ASID_FLUSH_ONE);
	assert_int_equal(sp[0].asid, 2);
	assert_int_equal(sp[0].gen, 2);
	/* Releasing an old-generation id does not free the new owner's. */
	asid_release(&s, sp[1].asid, sp[1].gen);
	assert_true(id_bitmap_is_allocated(&s.ids, 2));
	assert_int_equal(asid_used(&s), 3);
	asid_release(&s, sp[3].asid, sp[3].gen);
	assert_int_equal(asid_used(&s), 2);
	assert_false(id_bitmap_is_allocated(&s.ids, 1));
}

static void released_ids_are_reused_before_a_rollover(void **state)
{
	struct space a = {0};

	(void)state;
	asid_space_init(&s, 16, 3);
	for (int i = 0; i < 1000; i++) {
		a = (struct space){0};
		assert_int_equal(asid_assign(&s, &a.asid, &a.gen), ASID_FLUSH_ONE);
		asid_release(&s, a.asid, a.gen);
	}
	assert_int_equal(s.rollovers, 0);
	assert_int_equal(asid_used(&s), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_asids_means_flush_every_time),
	    cmocka_unit_test(width_and_limit_set_the_count),
	    cmocka_unit_test(a_space_keeps_its_asid),
	    cmocka_unit_test(exhaustion_starts_a_generation),
	    cmocka_unit_test(released_ids_are_reused_before_a_rollover),
	};
	return cmocka_run_group_tests_name("asid", tests, NULL, NULL);
}
