/* SPDX-License-Identifier: MIT */
/*
 * The physical memory map: RAM banks (from the DTB's /memory nodes) minus
 * reserved ranges (firmware, the kernel image, the DTB itself, the DTB's
 * reservations) gives the free ranges the page allocator is handed. Everything
 * lives in fixed arrays inside struct physmem, so it works before any
 * allocator exists.
 *
 * Usage: physmem_init(), physmem_add_bank() per bank, physmem_reserve() per
 * reservation, then physmem_build(limit) and read pm->free[0 .. nr_free).
 * Ranges are half-open [base, base + size); base + size must not wrap past
 * 2^64 (the top byte of the address space is therefore unusable, which no
 * RISC-V platform cares about).
 */
#ifndef BORA_PHYSMEM_H
#define BORA_PHYSMEM_H

#include <bora/types.h>

#ifndef CONFIG_PHYSMEM_MAX_BANKS
#define CONFIG_PHYSMEM_MAX_BANKS 8
#endif
#ifndef CONFIG_PHYSMEM_MAX_RESERVED
#define CONFIG_PHYSMEM_MAX_RESERVED 32
#endif

/*
 * Every reservation can split at most one free range in two, so banks +
 * reservations bounds the number of free ranges.
 */
#define PHYSMEM_MAX_FREE (CONFIG_PHYSMEM_MAX_BANKS + CONFIG_PHYSMEM_MAX_RESERVED)

/* physmem_build() limit meaning "keep everything". */
#define PHYSMEM_NO_LIMIT UINT64_MAX

struct phys_range {
	uint64_t base;
	uint64_t size;
};

struct physmem {
	/* Sorted by base, adjacent banks merged, never overlapping. */
	struct phys_range banks[CONFIG_PHYSMEM_MAX_BANKS];
	size_t nr_banks;
	/* Sorted by base, overlapping or adjacent reservations merged. */
	struct phys_range reserved[CONFIG_PHYSMEM_MAX_RESERVED];
	size_t nr_reserved;
	/* Output of physmem_build(): sorted, page-aligned, non-empty, below the limit. */
	struct phys_range free[PHYSMEM_MAX_FREE];
	size_t nr_free;
	/* Free bytes (page-aligned) that lay at or above the limit and were left out. */
	uint64_t clipped_bytes;
	/* After -EOVERLAP from physmem_add_bank(): the bank already present that collided. */
	struct phys_range conflict;
};

void physmem_init(struct physmem *pm);

/*
 * Add a RAM bank. -EINVAL for size 0 or a range wrapping past 2^64, -EOVERLAP
 * when it overlaps a bank already added (pm->conflict names that bank),
 * -ENOMEM when the table is full. A bank touching another is merged with it.
 */
int physmem_add_bank(struct physmem *pm, uint64_t base, uint64_t size);

/*
 * Reserve a range: it may lie partly or wholly outside RAM and may overlap
 * other reservations (they merge). -EINVAL for size 0 or wrap, -ENOMEM when
 * the table is full (state unchanged).
 */
int physmem_reserve(struct physmem *pm, uint64_t base, uint64_t size);

/*
 * Compute pm->free: banks minus reservations, each range shrunk inwards to
 * whole pages, cut at `limit` (an exclusive physical end address; the early
 * boot stage maps only so much). pm->clipped_bytes says how much free memory
 * the cut dropped. May be called again after more banks or reservations.
 */
int physmem_build(struct physmem *pm, uint64_t limit);

uint64_t physmem_ram_bytes(const struct physmem *pm);
uint64_t physmem_free_bytes(const struct physmem *pm);

/*
 * Check every invariant listed in struct physmem: 0, or -ECORRUPT. Host tests
 * call it after each step; the kernel may call it once after building.
 */
int physmem_validate(const struct physmem *pm);

#endif
