/* SPDX-License-Identifier: MIT */
/*
 * Compact bitmap buddy allocator (seed 003, "XOS memory management"): one
 * complete binary tree per region over 8-byte units, each node holding log2 of
 * the largest free block below it in a uint8_t; the 16- and 8-byte levels are
 * single bits. Metadata (about 11n/128 bytes) is carved from the end of each
 * region, so the tree base keeps the alignment the caller gave the region.
 * Allocation is first fit by address (the leftmost free node of the order),
 * so blocks pack low and the truncated tail of a non-power-of-two tree is used
 * last.
 *
 * No lock inside: the caller (kmalloc) serialises access with its own lock.
 */
#ifndef BORA_BITMAP_BUDDY_H
#define BORA_BITMAP_BUDDY_H

#include <bora/alloc.h>

/*
 * Trees one allocator can hold (1..256): init() makes the first, every
 * add_region() one more, -ENOMEM beyond. The state embeds them, so the default
 * lives here rather than in the .c file; it matches CONFIG_KHEAP_MAX_REGIONS so
 * kmalloc's growth is not cut short here. Each tree costs 216 bytes of state.
 */
#ifndef CONFIG_BITMAP_BUDDY_MAX_REGIONS
#define CONFIG_BITMAP_BUDDY_MAX_REGIONS 16
#endif
#if CONFIG_BITMAP_BUDDY_MAX_REGIONS < 1 || CONFIG_BITMAP_BUDDY_MAX_REGIONS > 256
#error "CONFIG_BITMAP_BUDDY_MAX_REGIONS must be 1..256"
#endif

/* Smallest block: the seed's min_alloc_size of 8 bytes. */
#define BITMAP_BUDDY_MIN_ORDER 3
/*
 * Largest root: a 32 GiB tree. Its levels take 11/128 of that, under 4 GiB, so
 * the per-level offsets fit in 32 bits; larger regions are refused.
 */
#define BITMAP_BUDDY_MAX_ORDER 35

/* Node values besides "log2 of the largest free block" (always >= MIN_ORDER). */
#define BITMAP_BUDDY_ALLOCATED  0 /* this node is one live block (or lies past the region) */
#define BITMAP_BUDDY_SPLIT_FULL 1 /* split, nothing free anywhere below */
#define BITMAP_BUDDY_PADDED     2 /* one live block handed out past its start (alignment) */

struct bitmap_buddy_tree {
	uintptr_t region; /* [region, region + region_size) as passed to init/add_region */
	size_t region_size;
	uintptr_t base;     /* a block of order k at tree offset off is at base + off */
	size_t managed;     /* [base, base + managed) is allocatable; a multiple of 8 */
	size_t used;        /* bytes in live blocks, as rounded to their order */
	uint8_t *nodes;     /* byte levels: orders root_order down to 5, top level first */
	uint8_t *whole16;   /* order 4: bit set = the 16-byte node is one live block */
	uint8_t *leaf_free; /* order 3: bit set = the 8-byte leaf is free */
	unsigned int root_order;
	/* nodes + level_off[o] is level o (5 <= o <= root_order): no arithmetic per read. */
	uint32_t level_off[BITMAP_BUDDY_MAX_ORDER + 1];
};

struct bitmap_buddy {
	uint32_t magic;
	uint32_t nr_trees;
	struct bitmap_buddy_tree trees[CONFIG_BITMAP_BUDDY_MAX_REGIONS];
};

int bitmap_buddy_init(struct bitmap_buddy *bb, void *base, size_t size);
int bitmap_buddy_add_region(struct bitmap_buddy *bb, void *base, size_t size);
int bitmap_buddy_alloc(struct bitmap_buddy *bb, size_t size, size_t align, void **out);
int bitmap_buddy_free(struct bitmap_buddy *bb, void *ptr, size_t size, size_t align);
int bitmap_buddy_resize_in_place(struct bitmap_buddy *bb, void *ptr, size_t old_size,
                                 size_t new_size, size_t align);
void bitmap_buddy_stats(const struct bitmap_buddy *bb, struct byte_alloc_stats *st);
/* Usable bytes of the live block at ptr (to the end of its node), 0 if none. */
size_t bitmap_buddy_usable_size(const struct bitmap_buddy *bb, const void *ptr);
/* free(ptr, usable_size(ptr), 1) in one call; -ENOTALLOC when ptr is no live block. */
int bitmap_buddy_free_block(struct bitmap_buddy *bb, void *ptr);
int bitmap_buddy_validate(const struct bitmap_buddy *bb, char *why, size_t why_len);

/*
 * Bytes init/add_region carve from an 8-byte-aligned region of `size` bytes for
 * the tree (plus the few bytes too small to manage); 0 if the region is too
 * small or too large to hold a tree. Equals stats.metadata after such an init.
 */
size_t bitmap_buddy_metadata_bytes(size_t size);

/* Smallest 8-aligned region whose tree manages exactly `managed` bytes (a multiple of 8). */
size_t bitmap_buddy_region_bytes(size_t managed);

/*
 * Value of node `index` at `order` in tree `tree` (the root is order
 * trees[tree].root_order, index 0): log2 of its largest free block, or
 * BITMAP_BUDDY_ALLOCATED / _PADDED / _SPLIT_FULL; -EINVAL for a bad coordinate.
 * An order-5 node inside a live block of order k >= 6 that holds the block's
 * pointer reads k (the block's order, so usable_size is O(1)).
 */
int bitmap_buddy_node_value(const struct bitmap_buddy *bb, unsigned int tree, unsigned int order,
                            size_t index);

#endif
