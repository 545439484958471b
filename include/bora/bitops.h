/* SPDX-License-Identifier: MIT */
/* Bit scans used by the allocators' O(1) searches; defined for x == 0 too. */
#ifndef BORA_BITOPS_H
#define BORA_BITOPS_H

#include <bora/types.h>

#define BITS_PER_LONG 64

/* Index of the lowest set bit, or -1 when x == 0. */
static inline int ffs64(uint64_t x)
{
	return x ? __builtin_ctzll(x) : -1;
}

/* Index of the highest set bit, or -1 when x == 0. */
static inline int fls64(uint64_t x)
{
	return x ? 63 - __builtin_clzll(x) : -1;
}

static inline bool is_power_of_2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Smallest power of two >= x; 0 when that does not fit in 64 bits or x == 0. */
static inline uint64_t roundup_pow2(uint64_t x)
{
	if (x <= 1)
		return x;
	if (x > (1ULL << 63))
		return 0;
	return 1ULL << (fls64(x - 1) + 1);
}

/* floor(log2(x)) for x > 0. */
static inline int ilog2_u64(uint64_t x)
{
	return fls64(x);
}

#endif
