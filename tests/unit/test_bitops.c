// SPDX-License-Identifier: MIT
/*
 * The de Bruijn scans a plain RV64IMAC kernel uses (<bora/bitops.h>) against
 * the host's ctz/clz: every single bit, every run of low or high ones, and
 * random words (the seed is printed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <bora/bitops.h>

static void check(uint64_t x)
{
	if (ctz64_debruijn(x) != (unsigned int)__builtin_ctzll(x))
		fail_msg("ctz64_debruijn(%#llx) = %u, not %d", (unsigned long long)x,
		         ctz64_debruijn(x), __builtin_ctzll(x));
	if (fls64_debruijn(x) != 63u - (unsigned int)__builtin_clzll(x))
		fail_msg("fls64_debruijn(%#llx) = %u, not %d", (unsigned long long)x,
		         fls64_debruijn(x), 63 - __builtin_clzll(x));
	assert_int_equal(ctz64(x), __builtin_ctzll(x));
	assert_int_equal(fls64_nonzero(x), 63 - __builtin_clzll(x));
}

static void single_bits_and_runs(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 64; i++) {
		check(1ULL << i);
		check(~0ULL << i);
		check(~0ULL >> i);
		check((1ULL << i) | 1);
		check((1ULL << i) | (1ULL << 63));
	}
}

static void random_words(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, x = seed;

	(void)state;
	printf("bitops: random words from seed %#llx\n", (unsigned long long)seed);
	for (int i = 0; i < 100000; i++) {
		/* xorshift64 (Marsaglia 2003), shifted right by 0-63 to spread the top bit. */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x >> (i % 64))
			check(x >> (i % 64));
	}
}

static void zero_has_no_set_bit(void **state)
{
	(void)state;
	assert_int_equal(ffs64(0), -1);
	assert_int_equal(fls64(0), -1);
	assert_int_equal(ffs64(0x50), 4);
	assert_int_equal(fls64(0x50), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(single_bits_and_runs),
	    cmocka_unit_test(random_words),
	    cmocka_unit_test(zero_has_no_set_bit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
