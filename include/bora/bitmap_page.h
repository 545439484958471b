/* SPDX-License-Identifier: MIT */
/*
 * Bitmap page (frame) allocator.
 *
 * One bit per page (1 = free) in a leaf bitmap, plus two kinds of summary:
 *  - a tree of "has a free bit" levels: bit i of level k+1 is set when word i
 *    of level k is non-zero, up to a single root word, so the lowest free page
 *    is found in O(levels) word reads;
 *  - one "all free" level: bit i set when leaf word i is all ones, so checking
 *    that a long run is free skips 64 pages per bit.
 * Contiguous runs are first-fit at the lowest address that satisfies the
 * alignment; alignment is of the ADDRESS, not of the page index.
 *
 * The bitmaps live in the first pages of the managed range (metadata pages),
 * so capacity is sized from the range at init and there is no fixed limit.
 * Not locked: the caller serialises (kmalloc's heap lock, or the frame
 * allocator's owner).
 */
#ifndef BORA_BITMAP_PAGE_H
#define BORA_BITMAP_PAGE_H

#include <bora/alloc.h>

/* 64^10 pages is far beyond any 64-bit address space. */
#define BITMAP_PAGE_MAX_LEVELS 10

struct bitmap_page {
	uintptr_t base;       /* address of page 0 (page aligned) */
	size_t npages;        /* pages in the range, metadata included */
	size_t meta_pages;    /* pages 0 .. meta_pages-1 hold the bitmaps */
	size_t used_pages;    /* allocated or reserved, metadata excluded */
	unsigned int nlevels; /* levels[0] is the leaf */
	uint64_t *all_free;   /* bit per leaf word: the word is all ones */
	uint64_t *levels[BITMAP_PAGE_MAX_LEVELS];
	size_t level_bits[BITMAP_PAGE_MAX_LEVELS];
};

int bitmap_page_init(struct bitmap_page *bp, uintptr_t base, size_t size);
int bitmap_page_alloc(struct bitmap_page *bp, size_t count, size_t align, uintptr_t *out);
int bitmap_page_free(struct bitmap_page *bp, uintptr_t addr, size_t count);
int bitmap_page_reserve(struct bitmap_page *bp, uintptr_t addr, size_t count);
/* True when the page holding addr is inside the range and handed out or reserved. */
bool bitmap_page_is_allocated(const struct bitmap_page *bp, uintptr_t addr);
void bitmap_page_stats(const struct bitmap_page *bp, struct page_alloc_stats *st);
int bitmap_page_validate(const struct bitmap_page *bp, char *why, size_t why_len);

#endif
