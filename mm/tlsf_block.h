/* SPDX-License-Identifier: MIT */
/*
 * TLSF block accessors and mapping, shared by mm/tlsf.c (the allocation paths)
 * and mm/tlsf_validate.c (the validator, the debug pointer walk). The layout is
 * described in include/bora/tlsf.h.
 */
#ifndef BORA_MM_TLSF_BLOCK_H
#define BORA_MM_TLSF_BLOCK_H

#include <bora/bitops.h>
#include <bora/tlsf.h>

#define HDR_FREE        ((uint64_t)1)
#define HDR_PREV_FREE   ((uint64_t)2)
#define HDR_FLAGS       (HDR_FREE | HDR_PREV_FREE)
#define HDR_SIZE_MASK   ((((uint64_t)1 << TLSF_BLOCK_LOG2) - 1) & ~(uint64_t)(TLSF_ALIGN - 1))
#define HDR_COOKIE_MASK (~(((uint64_t)1 << TLSF_BLOCK_LOG2) - 1))

#define HDR TLSF_BLOCK_OVERHEAD

_Static_assert(TLSF_FL_COUNT < 63, "fl bitmap is 64 bits, with room for the rounded search");
_Static_assert(TLSF_SL_COUNT <= 32, "sl bitmaps are 32 bits");
_Static_assert(sizeof(uintptr_t) == 8, "TLSF's block layout assumes 64-bit pointers");

static inline uint64_t *tlsf_word(uintptr_t a)
{
	return (uint64_t *)a;
}

static inline uint64_t tlsf_hdr(uintptr_t h)
{
	return *tlsf_word(h);
}

static inline size_t tlsf_hsize(uint64_t w)
{
	return (size_t)(w & HDR_SIZE_MASK);
}

static inline uintptr_t tlsf_next_free(uintptr_t h)
{
	return (uintptr_t)*tlsf_word(h + 8);
}

/* The address of the word that points at h: see list_insert() in mm/tlsf.c. */
static inline uintptr_t tlsf_prev_free(uintptr_t h)
{
	return (uintptr_t)*tlsf_word(h + 16);
}

/*
 * The list of a free block of `size` bytes as one flat index fl * SL_COUNT + sl
 * (the paper's mapping_insert): below TLSF_SMALL_BLOCK, 8-byte steps in fl 0;
 * above, fl = fls(size) - FL_SHIFT + 1 and sl the next SL_LOG2 bits of size,
 * which folds to (fls(size) - FL_SHIFT) * SL_COUNT + (size >> (fls - SL_LOG2)).
 */
static inline size_t tlsf_index(size_t size)
{
	long f;

	if (size < TLSF_SMALL_BLOCK)
		return size >> TLSF_ALIGN_LOG2;
#if defined(__riscv)
	f = (long)fls64_nonzero(size); /* Zbb or not: <bora/bitops.h> */
#else
	f = 63 ^ __builtin_clzll(size); /* 63 ^ clz: x86 emits a lone bsr */
#endif
	return ((size_t)f << TLSF_SL_LOG2) + (size >> (f - TLSF_SL_LOG2)) -
	       ((size_t)TLSF_FL_SHIFT << TLSF_SL_LOG2);
}

/*
 * A cheap sufficient test that `grown` (> size) maps to the same list as `size`
 * without mapping either: same list means the same top bit and the same
 * TLSF_SL_LOG2 bits below it, and if the two differ only below size's top bit
 * minus SL_LOG2 + 1 they certainly do. False may still be the same list: the
 * caller then maps both. Small sizes (one list per 8 bytes) never pass, as a
 * grown block there is at least 32 bytes larger. Cheaper than tlsf_same_list
 * when it usually passes (a large block's remainder after a split).
 */
static inline bool tlsf_surely_same_list(size_t size, size_t grown)
{
	return (size ^ grown) <= (size >> (TLSF_SL_LOG2 + 1));
}

/*
 * Whether free blocks of sizes a < b are on the same list, without mapping
 * either. Same list means the same top bit k and the same TLSF_SL_LOG2 bits
 * below it, i.e. a ^ b < 2^(k - SL_LOG2): the top bit of x = a ^ b lies below
 * that of y = (a | b) >> SL_LOG2, which is x < y with y's top bit clear in x.
 * Below TLSF_SMALL_BLOCK (one list per 8 bytes) y < 8 <= x, so never.
 */
static inline bool tlsf_same_list(size_t a, size_t b)
{
	size_t x = a ^ b, y = (a | b) >> TLSF_SL_LOG2;

	return x < y && x < (x ^ y);
}

static inline void tlsf_map(size_t size, unsigned *fl, unsigned *sl)
{
	size_t i = tlsf_index(size);

	*fl = (unsigned)(i >> TLSF_SL_LOG2);
	*sl = (unsigned)(i & (TLSF_SL_COUNT - 1));
}

/* Debug-only check that h is a block boundary of its region (mm/tlsf_validate.c). */
bool tlsf_debug_is_block(const struct tlsf *t, uintptr_t h);

#endif
