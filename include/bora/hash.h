/* SPDX-License-Identifier: MIT */
#ifndef BORA_HASH_H
#define BORA_HASH_H

#include <bora/types.h>

/*
 * SplitMix64's output function (Steele, Lea, Flood: "Fast splittable pseudorandom
 * number generators", OOPSLA 2014): a bijective 64-bit mix with good avalanche,
 * used for allocator secrets and test patterns.
 */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif
