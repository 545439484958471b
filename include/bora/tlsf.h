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
 * find-first-set operations: alloc, free and resize are O(1) (no loop at all
 * outside CONFIG_ALLOC_DEBUG). Block sizes below TLSF_SMALL_BLOCK all map to fl 0
 * in 8-byte steps.
 *
 * Block layout (RV64 and the host alike), h = address of the header word:
 *
 *   h - 8 : [prev-phys pointer]  last word of the previous block, meaningful
 *                                only while that block is free
 *   h     : header               size | PREV_FREE | FREE | heap cookie
 *   h + 8 : payload (8-aligned) ... or, while free: next-free, prev-free links
 *   h + S - 8 : footer           while free: h (the next block's prev-phys word)
 *
 * S, the distance to the next header, is a multiple of 8 and >= 32, so the
 * per-block overhead is the 8-byte header and a 64-byte request takes 72 bytes.
 * The natural alignment is 8 (as in the paper's 64-bit layout and Zephyr's
 * sys_heap); larger alignments split a leading free block off.
 *
 * Bad pointers. The header's top 24 bits hold a cookie drawn per heap. free()
 * and usable_size() accept a pointer only if it is 8-aligned and inside the
 * heap's span, its header carries the cookie with FREE clear and a size that
 * stays inside the span, and the next header carries the cookie with PREV_FREE
 * clear: a foreign, interior or stale pointer passes with probability about
 * 2^-48 (two random words both matching), and every header that stops being a
 * used block's (freed, or absorbed by coalescing) loses its used state, so a
 * double free is always refused. With CONFIG_ALLOC_DEBUG a free also walks the
 * block's region up to it, so only a real block boundary is accepted.
 *
 * Free coalesces immediately with both physical neighbours. Each region ends with
 * a used, zero-size sentinel header, and its first block never has PREV_FREE, so
 * blocks never merge across regions. Aligned allocation searches for
 * size + align + TLSF_MIN_BLOCK and splits the leading gap off as a free block.
 *
 * The control structure (bitmaps, list heads, region table) is struct tlsf itself,
 * in caller storage. Statistics count only bytes inside the regions: `metadata`
 * is every block header, the sentinels and the alignment slack at region ends;
 * sizeof(struct tlsf) (about 8.9 KiB with the default TLSF_SL_LOG2 = 5) lives
 * outside the regions and is not part of `total`.
 *
 * mm/tlsf.c holds the allocation paths, mm/tlsf_validate.c the validator and the
 * debug-only pointer walk, mm/tlsf_block.h the block accessors both share.
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
#define TLSF_ALIGN_LOG2     3
#define TLSF_ALIGN          ((size_t)1 << TLSF_ALIGN_LOG2) /* granule and natural alignment */
#define TLSF_BLOCK_OVERHEAD ((size_t)8)                    /* the header word */
#define TLSF_MIN_BLOCK      ((size_t)32)                   /* header + two links + footer */
/* Sizes below this map linearly (8-byte steps) to fl 0. */
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
	uint64_t fl_bitmap;
	/* One spare zero entry: a search rounded past the last class reads it. */
	uint32_t sl_bitmap[TLSF_FL_COUNT + 1];
	/*
	 * The counters are kept apart from each other (one per line below): next to
	 * each other gcc merges their updates into slower vector code.
	 */
	size_t used_bytes; /* sum of used blocks' sizes, headers included */
	uint64_t cookie;   /* in every header's top bits; drawn at init */
	size_t nblocks;    /* blocks, used and free (sentinels not counted) */
	uintptr_t lo;      /* lowest payload over all regions */
	size_t nfree;      /* free blocks */
	uintptr_t hi;      /* highest sentinel over all regions */
	size_t span_g;     /* (hi - lo) / TLSF_ALIGN with one region; 0 with several */
	uintptr_t heads[TLSF_FL_COUNT * TLSF_SL_COUNT]; /* list (fl, sl) at fl * SL_COUNT + sl */
	size_t block_bytes;                             /* sum over regions of end - first */
	size_t total;                                   /* bytes of all regions as given */
	unsigned nregions;
	struct tlsf_region regions[TLSF_MAX_REGIONS];
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
/* free(ptr, usable_size(ptr), 1) with one pointer check; -ENOTALLOC when ptr is no live block. */
int tlsf_free_block(struct tlsf *t, void *ptr);

/* The mapping functions, exposed for tests: list of a block size (insert) and the
 * first list whose every block satisfies a request of that block size (search). */
void tlsf_map_insert(size_t block_size, unsigned *fl, unsigned *sl);
void tlsf_map_search(size_t block_size, unsigned *fl, unsigned *sl);
/* Block size (header included) that alloc(size, align <= TLSF_ALIGN) carves. */
size_t tlsf_request_block_size(size_t size);

#endif
