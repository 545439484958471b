/* SPDX-License-Identifier: MIT */
/*
 * Node accessors of the compact bitmap buddy tree, shared by the allocator
 * (mm/bitmap_buddy.c) and its validator (mm/bitmap_buddy_validate.c). See the
 * top comment of mm/bitmap_buddy.c for what the values mean.
 */
#ifndef BORA_MM_BITMAP_BUDDY_TREE_H
#define BORA_MM_BITMAP_BUDDY_TREE_H

#include <bora/bitmap_buddy.h>
#include <bora/bitops.h>

#define BB_MAGIC         0x62427564u /* "dBuB" */
#define MIN_ORDER        BITMAP_BUDDY_MIN_ORDER
#define WHOLE16_ORDER    4
#define FIRST_BYTE_ORDER 5
#define ALLOCATED        BITMAP_BUDDY_ALLOCATED
#define SPLIT_FULL       BITMAP_BUDDY_SPLIT_FULL
#define PADDED           BITMAP_BUDDY_PADDED
/* A root below order 5 would have no byte level; such a region is refused. */
#define MIN_MANAGED_BYTES 24

static inline bool bb_state_ok(const struct bitmap_buddy *bb)
{
	return bb && bb->magic == BB_MAGIC && bb->nr_trees <= CONFIG_BITMAP_BUDDY_MAX_REGIONS;
}

/* Smallest k with 2^k >= max(x, 8): the order of an x-byte request. */
static inline unsigned int bb_order_of(uint64_t x)
{
	return (unsigned int)fls64((x - 1) | 7) + 1;
}

/* Nodes stored at `order`: those starting below `managed`. */
static inline size_t bb_level_count(size_t managed, unsigned int order)
{
	return ((managed - 1) >> order) + 1;
}

/*
 * Bytes level `order` takes: its nodes, plus below the root one zero byte when
 * the count is odd, so every stored node's sibling can be read (as ALLOCATED)
 * without a bounds check. Power-of-two trees have no such byte.
 */
static inline size_t bb_level_slots(size_t managed, unsigned int root, unsigned int order)
{
	size_t count = bb_level_count(managed, order);

	return order == root ? count : count + (count & 1);
}

static inline uint8_t *bb_level(const struct bitmap_buddy_tree *t, unsigned int order)
{
	return t->nodes + t->level_off[order];
}

static inline bool bb_test_bit(const uint8_t *map, size_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

/*
 * Value of an order-5 node from its bits: `nib` holds its four leaves' free
 * bits, `w` its two 16-byte children's "whole" bits. A live 16-byte child reads
 * ALLOCATED (its leaves keep their free bits); else 4, 3 or SPLIT_FULL by how
 * many of its leaves are free; the pair combines as every byte node does.
 */
#define BB_V4(l, w)  ((w) ? ALLOCATED : (l) == 3 ? 4 : (l) ? 3 : SPLIT_FULL)
#define BB_MAX(a, b) ((a) > (b) ? (a) : (b))
#define BB_C5(a, b)  ((a) == 4 && (b) == 4 ? 5 : BB_MAX(a, b) >= 3 ? BB_MAX(a, b) : SPLIT_FULL)
#define BB_V5(x)     BB_C5(BB_V4((x)&3, ((x) >> 4) & 1), BB_V4(((x) >> 2) & 3, ((x) >> 5) & 1))

/* Index (w << 4 | nib) -> order-5 value. */
extern const uint8_t bb_value5[64];

static inline unsigned int bb_bits5(const struct bitmap_buddy_tree *t, size_t i)
{
	unsigned int nib = (t->leaf_free[i / 2] >> ((i % 2) * 4)) & 15;
	unsigned int w = (t->whole16[i / 4] >> ((i % 4) * 2)) & 3;

	return w << 4 | nib;
}

/*
 * Value of any node, read as the algorithm does (bits for orders 3 and 4);
 * nodes wholly past `managed` are not stored and read ALLOCATED.
 */
static inline unsigned int bb_node_value(const struct bitmap_buddy_tree *t, unsigned int order,
                                         size_t i)
{
	if (i >= bb_level_count(t->managed, order))
		return ALLOCATED;
	if (order >= FIRST_BYTE_ORDER)
		return bb_level(t, order)[i];
	if (order == MIN_ORDER)
		return bb_test_bit(t->leaf_free, i) ? MIN_ORDER : ALLOCATED;
	if (bb_test_bit(t->whole16, i))
		return ALLOCATED;
	switch ((t->leaf_free[i / 4] >> ((i % 4) * 2)) & 3) {
	case 3:
		return WHOLE16_ORDER;
	case 0:
		return SPLIT_FULL;
	default:
		return MIN_ORDER;
	}
}

/* Value of a split-or-free node of `order` from its children's values. */
static inline unsigned int bb_combine(unsigned int order, unsigned int left, unsigned int right)
{
	unsigned int best = left > right ? left : right;

	if (left == order - 1 && right == order - 1)
		return order;
	return best >= MIN_ORDER ? best : SPLIT_FULL;
}

size_t bitmap_buddy_tree_bytes(size_t managed);

#endif
