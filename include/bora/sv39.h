/* SPDX-License-Identifier: MIT */
/*
 * Sv39 page tables (RISC-V Privileged Architecture, section 4.4 "Sv39"; PTE
 * format 4.3.1/4.4.1, satp 4.1.11). The encoding helpers are inline and usable
 * anywhere (the boot-table generator's C twin, ptdump, traps); the table API
 * gets its page frames and its view of physical memory from a struct sv39_env,
 * so the same code runs in the kernel over the frame allocator and on the host
 * over a fake arena.
 */
#ifndef BORA_SV39_H
#define BORA_SV39_H

#include <bora/types.h>

/* PTE bits (4.3.1, figure "Sv32/Sv39 page table entry"). */
#define SV39_PTE_V   (1ULL << 0)
#define SV39_PTE_R   (1ULL << 1)
#define SV39_PTE_W   (1ULL << 2)
#define SV39_PTE_X   (1ULL << 3)
#define SV39_PTE_U   (1ULL << 4)
#define SV39_PTE_G   (1ULL << 5)
#define SV39_PTE_A   (1ULL << 6)
#define SV39_PTE_D   (1ULL << 7)
#define SV39_PTE_RWX (SV39_PTE_R | SV39_PTE_W | SV39_PTE_X)
/* Bits 9:8 are RSW (software), 53:10 the PPN, 63:54 reserved (Svnapot/Svpbmt use them). */
#define SV39_PTE_FLAGS_MASK 0x3ffULL
#define SV39_PTE_PPN_SHIFT  10
#define SV39_PTE_PPN_BITS   44
#define SV39_PTE_PPN_MASK   ((1ULL << SV39_PTE_PPN_BITS) - 1)
#define SV39_PTE_RESERVED   (~0ULL << 54)

/* Permissions a caller may ask for; V, A and D are always added to leaves. */
#define SV39_PERM_MASK (SV39_PTE_RWX | SV39_PTE_U | SV39_PTE_G)

#define SV39_LEVELS     3
#define SV39_PTES       512 /* 4 KiB table / 8-byte PTE */
#define SV39_VPN_BITS   9
#define SV39_VA_BITS    39
#define SV39_PA_BITS    56 /* 44-bit PPN + 12-bit offset */
#define SV39_SIZE_4K    (1ULL << 12)
#define SV39_SIZE_2M    (1ULL << 21)
#define SV39_SIZE_1G    (1ULL << 30)
#define SV39_TABLE_SIZE SV39_SIZE_4K

/* satp (4.1.11): MODE 63:60 (8 = Sv39), ASID 59:44, PPN 43:0. */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE  0ULL
#define SATP_MODE_SV39  8ULL
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  0xffffULL
#define SATP_PPN_MASK   ((1ULL << 44) - 1)

/* Passed to sv39_env.flush to mean "everything" (sfence.vma zero, zero). */
#define SV39_FLUSH_ALL UINT64_MAX

/* Bytes one PTE covers at `level`: 0 -> 4 KiB, 1 -> 2 MiB, 2 -> 1 GiB. */
static inline uint64_t sv39_level_size(int level)
{
	return 1ULL << (12 + SV39_VPN_BITS * level);
}

/* VPN[level] of a virtual address: the PTE index in the level's table. */
static inline unsigned int sv39_vpn(uint64_t va, int level)
{
	return (unsigned int)(va >> (12 + SV39_VPN_BITS * level)) & (SV39_PTES - 1);
}

/* 4.4.1: bits 63..39 must all equal bit 38. */
static inline bool sv39_is_canonical(uint64_t va)
{
	int64_t top = (int64_t)va >> (SV39_VA_BITS - 1);

	return top == 0 || top == -1;
}

/* Sign-extend a 39-bit virtual address to its canonical 64-bit form. */
static inline uint64_t sv39_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << (64 - SV39_VA_BITS)) >> (64 - SV39_VA_BITS));
}

static inline uint64_t sv39_pte_make(uint64_t pa, uint64_t flags)
{
	return ((pa >> 12) & SV39_PTE_PPN_MASK) << SV39_PTE_PPN_SHIFT |
	       (flags & SV39_PTE_FLAGS_MASK);
}

static inline uint64_t sv39_pte_pa(uint64_t pte)
{
	return ((pte >> SV39_PTE_PPN_SHIFT) & SV39_PTE_PPN_MASK) << 12;
}

/* A valid PTE with any of R/W/X is a leaf; V alone points at the next level (4.3.2 step 4). */
static inline bool sv39_pte_is_leaf(uint64_t pte)
{
	return (pte & SV39_PTE_V) && (pte & SV39_PTE_RWX);
}

static inline uint64_t sv39_satp(uint64_t root_pa, uint16_t asid)
{
	return SATP_MODE_SV39 << SATP_MODE_SHIFT |
	       ((uint64_t)asid & SATP_ASID_MASK) << SATP_ASID_SHIFT |
	       ((root_pa >> 12) & SATP_PPN_MASK);
}

/* ---- the table API -------------------------------------------------------- */

/*
 * Where table pages come from. alloc_table returns 0 and the physical address
 * of a 4 KiB-aligned frame, or -ENOMEM; the frame need not be zeroed.
 * phys_to_virt gives a pointer through which a table frame can be read and
 * written. flush is called with the canonical VA of every leaf that changed,
 * or SV39_FLUSH_ALL after a table page was unlinked (it may be NULL before the
 * table is live).
 */
struct sv39_env {
	int (*alloc_table)(void *ctx, uint64_t *pa);
	void (*free_table)(void *ctx, uint64_t pa);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	void (*flush)(void *ctx, uint64_t va);
	void *ctx;
};

struct sv39 {
	const struct sv39_env *env;
	uint64_t root_pa;
	size_t table_pages; /* root included */
};

/* One leaf, as sv39_walk reports it; va is canonical. */
struct sv39_leaf {
	uint64_t va;
	uint64_t pa;
	uint64_t size;
	uint64_t flags; /* the PTE's low 10 bits */
	int level;
};

/* Called per leaf (or per merged range) in ascending VA order; non-zero stops the walk. */
typedef int (*sv39_walk_fn)(void *arg, const struct sv39_leaf *leaf);

/* Allocate and zero the root table. -ENOMEM. */
int sv39_init(struct sv39 *pt, const struct sv39_env *env);

/*
 * Map [va, va + size) to [pa, pa + size) with `perm` (SV39_PERM_MASK bits),
 * using the largest leaf (1 GiB, 2 MiB, 4 KiB) that va, pa and the remaining
 * size allow. -EINVAL: size 0, va/pa/size not page-aligned, va range not
 * canonical or crossing the hole, pa beyond 56 bits, perm with W but not R or
 * with neither R nor X, or bits outside SV39_PERM_MASK. -EEXIST: some page of
 * the range is already mapped (checked before anything changes). -ENOMEM:
 * frames ran out; the call is rolled back (every table it allocated is freed)
 * so the table is exactly as before.
 */
int sv39_map_range(struct sv39 *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);

/*
 * Unmap [va, va + size). Every page of the range must be mapped (-ENOENT,
 * checked first). A huge leaf only partly inside is split first; tables left
 * empty are freed. -ENOMEM when a split cannot get a frame: nothing has been
 * unmapped then, though finished splits stay (they map exactly what the huge
 * leaf did, so the table remains valid and equivalent).
 */
int sv39_unmap_range(struct sv39 *pt, uint64_t va, uint64_t size);

/* Change the permissions of [va, va + size); same rules as unmap and map's perm checks. */
int sv39_protect_range(struct sv39 *pt, uint64_t va, uint64_t size, uint64_t perm);

/* Translate va: physical address, leaf flags and level (any may be NULL). -ENOENT, -EINVAL. */
int sv39_translate(const struct sv39 *pt, uint64_t va, uint64_t *pa, uint64_t *flags, int *level);

/* Every leaf in ascending VA order (low half first, then the high half). */
int sv39_walk(const struct sv39 *pt, sv39_walk_fn fn, void *arg);

/*
 * Like sv39_walk but leaves contiguous in VA and PA with equal flags are
 * merged into one range (level is that of the first leaf): what ptdump prints.
 */
int sv39_walk_ranges(const struct sv39 *pt, sv39_walk_fn fn, void *arg);

/*
 * Check the table's invariants: no leaf at a level whose alignment its PPN
 * breaks, no W-without-R leaf, no reserved bits, non-leaf PTEs with only V
 * (and G), no pointer at level 0, no empty table below the root, and
 * table_pages matching the tables reachable. 0 or -ECORRUPT.
 */
int sv39_validate(const struct sv39 *pt);

/* Free every table page, root included. The struct can be sv39_init'ed again. */
void sv39_destroy(struct sv39 *pt);

#endif
