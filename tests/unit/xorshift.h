/* SPDX-License-Identifier: MIT */
/*
 * Marsaglia's xorshift64 (Journal of Statistical Software 8(14), 2003, shifts 13/7/17):
 * a fixed-seed generator for the random stress tests. Seed rng_state (non-zero) first.
 */
#ifndef TESTS_UNIT_XORSHIFT_H
#define TESTS_UNIT_XORSHIFT_H

#include <stdint.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#endif
