/* SPDX-License-Identifier: MIT */
/*
 * TLSF: Two-Level Segregated Fit byte allocator.
 *
 * M. Masmano, I. Ripoll, A. Crespo, J. Real, "TLSF: a New Dynamic Memory
 * Allocator for Real-Time Systems", 16th Euromicro Conference on Real-Time
 * Systems (ECRTS), 2004.
 *
 * Free blocks are kept in segregated lists indexed by two levels: the first level
 * (fl) is the power-of-two class of the block size, the second level (sl) splits
 * each class linearly into 2^TLSF_SL_LOG2 ranges. A first-level bitmap says which
 * classes have any free block and one second-level bitmap per class says which of
 * its lists are non-empty, so finding a free list that satisfies a request is two
 * find-first-set operations: alloc, free and resize are O(1) (the only loop is
 * over the at most TLSF_MAX_REGIONS regions when a pointer is range-checked).
 * Block sizes below TLSF_SMALL_BLOCK all map to fl 0 with 16-byte steps.
 *
 * Block layout (RV64 and the host alike), h = address of the header word:
 *
 *   h - 8 : [prev-phys pointer]  last word of the previous block, meaningful
 *                                only while that block is free
 *   h     : header               size | PREV_FREE | FREE | check tag
 *   h + 8 : payload (16-aligned) ... or, while free: next-free, prev-free links
 *   h + S - 8 : footer           while free: h (the next block's prev-phys word)
 *
 * S, the distance to the next header, is a multiple of 16 and >= 32, so the
 * per-block overhead is the 8-byte header. The header's top 24 bits hold a tag
 * hashed from the block's address, its size and a per-allocator secret: together
 * with the range, alignment, FREE and neighbour checks it lets free() reject
 * interior, foreign and stale pointers in O(1) with -ENOTALLOC. Headers that stop
 * being headers (absorbed by coalescing) are overwritten so a double free never
 * finds a valid one.
 *
 * Free coalesces immediately with both physical neighbours. Each region ends with
 * a used, zero-size sentinel header, and its first block never has PREV_FREE, so
 * blocks never merge across regions. Aligned allocation searches for
 * size + align + TLSF_MIN_BLOCK and splits the leading gap off as a free block.
 *
 * The control structure (bitmaps, list heads, region table) is struct tlsf itself,
 * in caller storage. Statistics count only bytes inside the regions: `metadata`
 * is every block header, the sentinels and the alignment slack at region ends;
 * sizeof(struct tlsf) (about 8.7 KiB with the default TLSF_SL_LOG2 = 5) lives
 * outside the regions and is not part of `total`.
 */
#ifndef BORA_TLSF_H
#define BORA_TLSF_H

#include <bora/alloc.h>

#ifndef CONFIG_TLSF_SL_LOG2
#define CONFIG_TLSF_SL_LOG2 5
#endif
#if CONFIG_TLSF_SL_LOG2 < 2 || CONFIG_TLSF_SL_LOG2 > 5
#error "CONFIG_TLSF_SL_LOG2 must be 2..5"
#endif

#define TLSF_SL_LOG2        CONFIG_TLSF_SL_LOG2
#define TLSF_SL_COUNT       (1u << TLSF_SL_LOG2)
#define TLSF_ALIGN_LOG2     4
#define TLSF_ALIGN          ((size_t)1 << TLSF_ALIGN_LOG2) /* natural payload alignment */
#define TLSF_BLOCK_OVERHEAD ((size_t)8)                    /* the header word */
#define TLSF_MIN_BLOCK      ((size_t)32)                   /* header + two links + footer */
/* Sizes below this map linearly (16-byte steps) to fl 0. */
#define TLSF_FL_SHIFT    (TLSF_SL_LOG2 + TLSF_ALIGN_LOG2)
#define TLSF_SMALL_BLOCK ((size_t)1 << TLSF_FL_SHIFT)
/* Block sizes stay below 2^TLSF_BLOCK_LOG2 (the header keeps 40 bits of size). */
#define TLSF_BLOCK_LOG2  40
#define TLSF_BLOCK_MAX   (((size_t)1 << TLSF_BLOCK_LOG2) - TLSF_ALIGN)
#define TLSF_FL_COUNT    (TLSF_BLOCK_LOG2 - TLSF_FL_SHIFT + 1)
#define TLSF_MAX_REGIONS 16
/* Largest request alloc() considers; anything bigger is -EINVAL. */
#define TLSF_ALLOC_MAX (TLSF_BLOCK_MAX - TLSF_BLOCK_OVERHEAD)

struct tlsf_region {
	uintptr_t base; /* as given to init/add_region */
	size_t size;
	uintptr_t first; /* header of the first block */
	uintptr_t end;   /* header of the sentinel */
};

struct tlsf {
	uint64_t secret; /* keys the header tags */
	uint64_t fl_bitmap;
	uint32_t sl_bitmap[TLSF_FL_COUNT];
	uintptr_t heads[TLSF_FL_COUNT][TLSF_SL_COUNT];
	struct tlsf_region regions[TLSF_MAX_REGIONS];
	unsigned nregions;
	uintptr_t lo, hi;  /* bounds over all regions: fast rejection */
	size_t total;      /* bytes of all regions as given */
	size_t used;       /* payload bytes of used blocks */
	size_t free_bytes; /* payload bytes of free blocks */
	size_t nfree;      /* free blocks */
	size_t nused;      /* used blocks */
};

int tlsf_init(struct tlsf *t, void *base, size_t size);
int tlsf_add_region(struct tlsf *t, void *base, size_t size);
int tlsf_alloc(struct tlsf *t, size_t size, size_t align, void **out);
/* size may be 0 ("unknown"); otherwise it must not exceed the block's usable size. */
int tlsf_free(struct tlsf *t, void *ptr, size_t size, size_t align);
int tlsf_resize_in_place(struct tlsf *t, void *ptr, size_t old_size, size_t new_size, size_t align);
void tlsf_stats(const struct tlsf *t, struct byte_alloc_stats *st);
int tlsf_validate(const struct tlsf *t, char *why, size_t why_len);
/* Usable bytes of the live block at ptr, or 0 when ptr is not one. */
size_t tlsf_usable_size(const struct tlsf *t, const void *ptr);

/* The mapping functions, exposed for tests: list of a block size (insert) and the
 * first list whose every block satisfies a request of that block size (search). */
void tlsf_map_insert(size_t block_size, unsigned *fl, unsigned *sl);
void tlsf_map_search(size_t block_size, unsigned *fl, unsigned *sl);
/* Block size (header included) that alloc(size, align <= TLSF_ALIGN) carves. */
size_t tlsf_request_block_size(size_t size);

#endif
