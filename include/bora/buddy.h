/* SPDX-License-Identifier: MIT */
/*
 * Binary buddy allocator with one free list per order (Knowlton 1965; Knuth,
 * TAOCP vol. 1, section 2.5). A block of order k is (unit << k) bytes and starts
 * at an address aligned to its size, so the buddy of a block is found by
 * flipping one address bit.
 *
 * Every region carries its own metadata, carved from its start: a header with
 * the per-order list heads and one tag byte per unit that says "a free block
 * of order k starts here" or "an allocated block of order k starts here". The
 * tag makes the "is my buddy free?" question O(1), and lets free() check that
 * the size it is given matches the block. Free lists are doubly linked through
 * the free blocks themselves with 32-bit unit indices, so an 8-byte unit can
 * still hold both links and removal is O(1).
 *
 * The unit is chosen at init: the byte allocator uses 1 << CONFIG_BUDDY_MIN_ORDER
 * bytes, the slab allocator runs a second instance with a PAGE_SIZE unit.
 */
#ifndef BORA_BUDDY_H
#define BORA_BUDDY_H

#include <bora/alloc.h>

/* Orders 0..31: unit indices are 32-bit, so no block exceeds 2^31 units. */
#define BUDDY_ORDERS 32
/* An 8-byte unit is the smallest that holds the two 32-bit list links. */
#define BUDDY_UNIT_SHIFT_MIN 3
#define BUDDY_UNIT_SHIFT_MAX 24

struct buddy_region;

struct buddy {
	unsigned unit_shift;
	unsigned nregions;
	struct buddy_region *regions; /* chain through the region headers */
	size_t total;                 /* bytes of all regions as given */
	size_t used;                  /* bytes of allocated blocks */
	size_t metadata;              /* headers, tags, alignment and tail waste */
	size_t nfree[BUDDY_ORDERS];   /* free blocks per order, all regions */
	/*
	 * Free-list nodes touched by alloc/free/resize; a test and benchmark hook
	 * that shows free() does not walk a list to find the buddy.
	 */
	uint64_t link_visits;
};

int buddy_init(struct buddy *b, void *base, size_t size, unsigned unit_shift);
int buddy_add_region(struct buddy *b, void *base, size_t size);
int buddy_alloc(struct buddy *b, size_t size, size_t align, void **out);
int buddy_free(struct buddy *b, void *ptr, size_t size, size_t align);
int buddy_resize_in_place(struct buddy *b, void *ptr, size_t old_size, size_t new_size,
                          size_t align);
/* Bytes of the allocated block at ptr (its whole order), 0 if ptr starts none. */
size_t buddy_usable_size(const struct buddy *b, const void *ptr);
/* free(ptr, usable_size(ptr), 1) in one call; -ENOTALLOC when ptr is no live block. */
int buddy_free_block(struct buddy *b, void *ptr);
void buddy_stats(const struct buddy *b, struct byte_alloc_stats *st);
int buddy_validate(const struct buddy *b, char *why, size_t why_len);

/* Order-level interface for clients such as the slab allocator. */
int buddy_order_for(const struct buddy *b, size_t size, size_t align, unsigned *order);
int buddy_alloc_order(struct buddy *b, unsigned order, void **out);
int buddy_free_order(struct buddy *b, void *ptr, unsigned order);
/*
 * If ptr starts an allocated block, 0 with its order and client mark;
 * otherwise -ENOTALLOC. The mark is one bit a client may keep per live block
 * (the slab allocator flags its slabs with it).
 */
int buddy_lookup(const struct buddy *b, const void *ptr, unsigned *order, bool *mark);
int buddy_set_mark(struct buddy *b, void *ptr, bool mark);
/*
 * The buddy of the order-k block at ptr when it lies in the same region (else
 * NULL), and whether it is a free block of order k. Lets a client work out what
 * freeing some of its blocks would merge into without freeing them.
 */
void *buddy_buddy_of(const struct buddy *b, const void *ptr, unsigned order, bool *is_free);
/* Bytes of allocated blocks that carry the client mark (walks every tag). */
size_t buddy_marked_bytes(const struct buddy *b);

static inline size_t buddy_block_bytes(const struct buddy *b, unsigned order)
{
	return (size_t)1 << (b->unit_shift + order);
}

#endif
