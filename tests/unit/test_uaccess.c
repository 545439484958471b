// SPDX-License-Identifier: MIT
/* user_range_ok against a 128-bit reference at the edges and at random. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <bora/uaccess.h>
#include "xorshift.h"

static bool reference(uint64_t addr, uint64_t len)
{
	unsigned __int128 end = (unsigned __int128)addr + len;

	return len == 0 || (addr >= USER_VA_START && end <= USER_VA_END);
}

static void edges(void **state)
{
	(void)state;
	assert_true(user_range_ok(USER_VA_START, 1));
	assert_false(user_range_ok(USER_VA_START - 1, 1));
	assert_false(user_range_ok(0, 1));
	assert_true(user_range_ok(0, 0));
	assert_true(user_range_ok(USER_VA_END - 1, 1));
	assert_false(user_range_ok(USER_VA_END - 1, 2));
	assert_false(user_range_ok(USER_VA_END, 1));
	assert_true(user_range_ok(USER_VA_START, USER_VA_END - USER_VA_START));
	assert_false(user_range_ok(USER_VA_START, USER_VA_END - USER_VA_START + 1));
	assert_false(user_range_ok(USER_VA_START, UINT64_MAX));
	assert_false(user_range_ok(0xffffffc080200000ULL, 16));
	assert_false(user_range_ok(UINT64_MAX, 1));
	assert_false(user_range_ok(0x10000000, (uint64_t)-0x10000000)); /* wraps to exactly 0 */
}

static void random_against_reference(void **state)
{
	static const uint64_t anchors[] = {0,          USER_VA_START,         USER_VA_END,
	                                   UINT64_MAX, 0xffffffc000000000ULL, 1ULL << 63};
	uint64_t seed = 0x75616363ULL;

	(void)state;
	rng_state = seed;
	printf("random_against_reference: seed %#llx\n", (unsigned long long)seed);
	for (int i = 0; i < 1000000; i++) {
		uint64_t addr = anchors[rng() % 6] + (rng() % 64) - 32;
		uint64_t len = (i & 1) ? rng() >> (rng() % 64) : anchors[rng() % 6] - addr;

		if (user_range_ok(addr, len) != reference(addr, len))
			fail_msg("addr %#llx len %#llx", (unsigned long long)addr,
			         (unsigned long long)len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(edges),
	    cmocka_unit_test(random_against_reference),
	};
	return cmocka_run_group_tests_name("uaccess", tests, NULL, NULL);
}
