/* SPDX-License-Identifier: MIT */
/*
 * Bit scans for the scheduler's and the allocators' O(1) searches.
 *
 * ctz64/fls64_nonzero take a non-zero word. On the host they are the
 * compiler's builtins (one instruction). A RISC-V kernel built with
 * CONFIG_RISCV_ISA_ZBB uses Zbb's ctz and clz (RISC-V Bit-Manipulation
 * 1.0.0, 2.1.2) through inline asm: the compiler's -march stays RV64IMAC, so
 * these scans are the only Zbb instructions in the image, and the trap and
 * panic paths that report a hart without Zbb cannot fault on it themselves.
 * Without it there is no such instruction and GCC would turn
 * __builtin_ctzll into a call to libgcc's __ctzdi2, whose clobbers cost more
 * than the scan; there the lowest set bit is isolated and indexed with a de
 * Bruijn multiply (Leiserson, Prokop, Randall, "Using de Bruijn Sequences to
 * Index a 1 in a Computer Word", 1998): five instructions and a byte load.
 */
#ifndef BORA_BITOPS_H
#define BORA_BITOPS_H

#include <bora/types.h>

#define BITS_PER_LONG 64

#if defined(__riscv) && defined(CONFIG_RISCV_ISA_ZBB)
#define BITOPS_SCAN_ZBB 1
#define BITOPS_DEBRUIJN 0
#elif defined(__riscv)
#define BITOPS_SCAN_ZBB 0
#define BITOPS_DEBRUIJN 1
#else
#define BITOPS_SCAN_ZBB 0
#define BITOPS_DEBRUIJN 0
#endif

/* The portable scans, compiled everywhere so the host tests check them against the builtins. */
static inline unsigned int ctz64_debruijn(uint64_t x)
{
	/* table[(C << i) >> 58] == i for the de Bruijn sequence C below. */
	static const uint8_t table[64] = {
	    0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,  62, 55, 59, 36, 53, 51,
	    43, 22, 45, 39, 33, 30, 24, 18, 12, 5,  63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21,
	    44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
	};

	return table[((x & -x) * 0x03f79d71b4cb0a89ULL) >> 58];
}

/* Smear the top bit down, keep only it, and index it as above. */
static inline unsigned int fls64_debruijn(uint64_t x)
{
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	return ctz64_debruijn(x ^ (x >> 1));
}

#if BITOPS_SCAN_ZBB
static inline unsigned int ctz64_zbb(uint64_t x)
{
	uint64_t r;

	__asm__(".option push\n.option arch, +zbb\nctz %0, %1\n.option pop" : "=r"(r) : "r"(x));
	return (unsigned int)r;
}

static inline unsigned int clz64_zbb(uint64_t x)
{
	uint64_t r;

	__asm__(".option push\n.option arch, +zbb\nclz %0, %1\n.option pop" : "=r"(r) : "r"(x));
	return (unsigned int)r;
}
#endif

/* Index of the lowest set bit of x != 0. */
static inline unsigned int ctz64(uint64_t x)
{
#if BITOPS_SCAN_ZBB
	return ctz64_zbb(x);
#elif BITOPS_DEBRUIJN
	return ctz64_debruijn(x);
#else
	return (unsigned int)__builtin_ctzll(x);
#endif
}

/* Index of the highest set bit of x != 0 (63 ^ clz: x86 then emits a lone bsr). */
static inline unsigned int fls64_nonzero(uint64_t x)
{
#if BITOPS_SCAN_ZBB
	return 63u ^ clz64_zbb(x);
#elif BITOPS_DEBRUIJN
	return fls64_debruijn(x);
#else
	return 63u ^ (unsigned int)__builtin_clzll(x);
#endif
}

/* Index of the lowest set bit, or -1 when x == 0. */
static inline int ffs64(uint64_t x)
{
	return x ? (int)ctz64(x) : -1;
}

/* Index of the highest set bit, or -1 when x == 0. */
static inline int fls64(uint64_t x)
{
	return x ? (int)fls64_nonzero(x) : -1;
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
