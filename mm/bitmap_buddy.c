// SPDX-License-Identifier: MIT
/*
 * Compact bitmap buddy allocator, after the XOS memory-management design note
 * (seed 003, "bitmap buddy"; summarised in the project's seeds/README): a
 * complete binary tree over 8-byte units where every node holds log2 of the
 * largest free block below it in a uint8_t, and the two lowest levels are bits.
 *
 * Node values. For a node of order o (a block of 2^o bytes):
 *   o                 the whole block is free;
 *   3 .. o-1          split, the largest free block below is 2^value;
 *   SPLIT_FULL (1)    split, nothing free below;
 *   ALLOCATED (0)     this node is one live block;
 *   PADDED (2)        this node is one live block handed out `pad` bytes past
 *                     its start (an alignment the tree base lacks); the
 *                     block's first word holds that pointer. Without it a
 *                     block could be freed through the pointer of an earlier
 *                     allocation under another alignment.
 * Order 4 is stored as one bit per node, "whole16": set only when the 16-byte
 * node is itself a live block; its other values are derived from its two leaves.
 * Order 3 is one bit per leaf, set when the 8-byte leaf is free.
 *
 * Allocation never touches the subtree of the node it hands out: that subtree
 * was entirely free (a node is taken only when its value equals its order) and
 * keeps its "free" values while the block is live, with one exception: the
 * order-5 node holding the block's pointer reads the block's order k >= 6 (a
 * value no order-5 node has otherwise), so the block is found from its pointer
 * in O(1) (usable_size, and free(p, usable_size(p), 1)). ALLOCATED appears only
 * at the node of a live block: combine() never produces it, so free() of an
 * order-k block only has to test the order-k node: an interior pointer or a
 * too-small size lands on a node reading "free" (or a marker), a too-large size
 * on a split node, a second free on a node already reading "free".
 *
 * Costs. Allocation descends from the root reading one byte per level (the left
 * child: if it fits, go left, else the right child must), so it is first fit by
 * address: blocks pack at the low end and the truncated tail of a
 * non-power-of-two tree is used last. Ancestors are recomputed on the way back
 * up until one keeps its value. Level offsets are precomputed per tree, the two
 * bit levels are read as one nibble and a table, and no access is bounds
 * checked inside the loops: a node read during the descent always exists (a
 * left child starts where its parent does; the right one is taken only when the
 * parent's value came from it). The tree's layout, setup and statistics are in
 * mm/bitmap_buddy_tree.c, its validator in mm/bitmap_buddy_validate.c.
 */
#include <bora/errno.h>
#include <bora/string.h>

#include "bitmap_buddy_tree.h"

/* Lowest set bit of a nibble (0 for 0, which never occurs where it is used). */
static const uint8_t lowest_bit4[16] = {0, 0, 1, 0, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0};

/*
 * Node (order, i) was just set to `value`: recompute its ancestors until one
 * keeps its value (every node above depends on nothing else that changed).
 * Both children of a parent are always stored (see bb_level_slots), and a
 * parent's two children are both free exactly when they sum to twice its
 * children's order, every value being at most its node's order.
 */
static void update_ancestors(struct bitmap_buddy_tree *t, unsigned int order, size_t i,
                             unsigned int value)
{
	/* Locals: a byte store may alias *t, so fields would be read again every level. */
	uint8_t *nodes = t->nodes;
	const uint32_t *level_off = t->level_off;
	unsigned int root = t->root_order;
	uint8_t *level = nodes + level_off[order];

	while (order < root) {
		unsigned int other = level[i ^ 1];
		unsigned int best = value > other ? value : other;

		if (value + other == 2 * order)
			best = order + 1;
		else if (best < MIN_ORDER)
			best = SPLIT_FULL;
		order++;
		i /= 2;
		level = nodes + level_off[order];
		if (level[i] == best)
			return;
		level[i] = (uint8_t)best;
		value = best;
	}
}

/*
 * Make the free node (order, i) a live block handed out at ptr, and fix the
 * ancestors. `free_order` is the order of the lowest ancestor the caller knows
 * to have been wholly free (0: none): every node between the two had a wholly
 * free sibling, so it now reads its own order minus one, no read needed.
 */
static int take_node(struct bitmap_buddy_tree *t, unsigned int order, size_t i, uintptr_t ptr,
                     unsigned int free_order)
{
	uintptr_t start = t->base + (i << order);
	unsigned int value = ALLOCATED;

	t->used += (size_t)1 << order;
	if (order < FIRST_BYTE_ORDER) {
		if (order == MIN_ORDER)
			t->leaf_free[i / 8] &= (uint8_t) ~(1u << (i % 8));
		else
			t->whole16[i / 8] |= (uint8_t)(1u << (i % 8));
		i >>= FIRST_BYTE_ORDER - order;
		order = FIRST_BYTE_ORDER;
		value = bb_value5[bb_bits5(t, i)];
	} else if (ptr != start) {
		value = PADDED;
		*(uintptr_t *)start = ptr;
	}
	if (order > FIRST_BYTE_ORDER)
		bb_level(t, FIRST_BYTE_ORDER)[(ptr - t->base) >> FIRST_BYTE_ORDER] = (uint8_t)order;
	bb_level(t, order)[i] = (uint8_t)value;
	for (uint8_t *nodes = t->nodes; order < free_order;) {
		order++;
		i /= 2;
		value = order - 1;
		nodes[t->level_off[order] + i] = (uint8_t)value;
	}
	update_ancestors(t, order, i, value);
	return 0;
}

/* Give back the live block at node (order, i), handed out at ptr. */
static void release_node(struct bitmap_buddy_tree *t, unsigned int order, size_t i, uintptr_t ptr)
{
	unsigned int value = order;

	t->used -= (size_t)1 << order;
	if (order < FIRST_BYTE_ORDER) {
		if (order == MIN_ORDER)
			t->leaf_free[i / 8] |= (uint8_t)(1u << (i % 8));
		else
			t->whole16[i / 8] &= (uint8_t) ~(1u << (i % 8));
		i >>= FIRST_BYTE_ORDER - order;
		order = FIRST_BYTE_ORDER;
		value = bb_value5[bb_bits5(t, i)];
	} else if (order > FIRST_BYTE_ORDER) {
		bb_level(t, FIRST_BYTE_ORDER)[(ptr - t->base) >> FIRST_BYTE_ORDER] =
		    FIRST_BYTE_ORDER;
	}
	bb_level(t, order)[i] = (uint8_t)value;
	/* Merge with wholly free siblings: the parent becomes wholly free too. */
	for (uint8_t *nodes = t->nodes; value == order && order < t->root_order &&
	                                nodes[t->level_off[order] + (i ^ 1)] == order;) {
		order++;
		i /= 2;
		value = order;
		nodes[t->level_off[order] + i] = (uint8_t)value;
	}
	update_ancestors(t, order, i, value);
}

static bool bad_request(size_t size, size_t align)
{
	return !size || size > SIZE_MAX / 2 || !is_power_of_2(align);
}

/*
 * Order of the block serving (size, align) in tree t, and the padding from the
 * block start to the pointer handed out. Raising the order to log2(align) makes
 * every candidate block 2^order-aligned relative to the tree base, so when the
 * base itself is less aligned than `align` the padding is the same for every
 * block and free() can undo it from the pointer alone. A padded block needs a
 * byte node to be marked PADDED, so it is at least order 5.
 */
static inline unsigned int request_order(const struct bitmap_buddy_tree *t, size_t size,
                                         size_t align, size_t *pad)
{
	size_t p = (size_t)(0 - t->base) & (align - 1);
	unsigned int order = bb_order_of((uint64_t)size + p);
	unsigned int align_order = (unsigned int)fls64(align);

	*pad = p;
	if (order < align_order)
		order = align_order;
	if (p && order < FIRST_BYTE_ORDER)
		order = FIRST_BYTE_ORDER;
	return order;
}

/*
 * Index at order max(order, 5) of the leftmost node whose value is >= order,
 * in a tree whose root is: one byte per level, left child first. Once a node
 * on the way is wholly free the rest of the way is all left, and its order
 * goes to *free_order (else 0) for take_node(). That test is made only at the
 * root and its children, where an emptied heap's large free block is (the root
 * itself is never wholly free in a non-power-of-two tree); deeper it cost more
 * on every level than it saved (bench counts: testing three levels instead of
 * one added 30 instructions per malloc on every workload). The rest of the
 * descent is unrolled.
 */
#define WHOLLY_FREE_LEVELS 1

static inline size_t descend(const struct bitmap_buddy_tree *t, unsigned int order,
                             unsigned int *free_order)
{
	unsigned int stop = order > FIRST_BYTE_ORDER ? order : FIRST_BYTE_ORDER;
	const uint8_t *nodes = t->nodes;
	unsigned int child = t->root_order;
	size_t i = 0;

	*free_order = 0;
	if (nodes[0] == child)
		goto wholly_free;
	while (--child >= stop) {
		unsigned int left = nodes[t->level_off[child] + 2 * i];

		i = 2 * i + (left < order);
		if (left == child)
			goto wholly_free;
		if (child + WHOLLY_FREE_LEVELS == t->root_order)
			break;
	}
#pragma GCC unroll 4
	while (--child >= stop)
		i = 2 * i + (nodes[t->level_off[child] + 2 * i] < order);
	return i;
wholly_free:
	*free_order = child;
	return i << (child - stop);
}

/* Serve (order, pad) from tree t, known to hold a free block of that order. */
static __attribute__((noinline)) int tree_alloc(struct bitmap_buddy_tree *t, unsigned int order,
                                                size_t pad, void **out)
{
	unsigned int free_order;
	size_t i = descend(t, order, &free_order);
	uintptr_t ptr;

	if (order < FIRST_BYTE_ORDER) {
		/* Pick inside order-5 node i from its bits; its value says one fits. */
		unsigned int bits = bb_bits5(t, i), nib = bits & 15, w = bits >> 4;

		if (order == MIN_ORDER)
			i = 4 * i + lowest_bit4[nib & ~((w & 1) * 3 + (w >> 1) * 12)];
		else
			i = 2 * i + ((nib & 3) != 3 || (w & 1));
	}
	ptr = t->base + (i << order) + pad;
	*out = (void *)ptr;
	return take_node(t, order, i, ptr, free_order);
}

int bitmap_buddy_alloc(struct bitmap_buddy *bb, size_t size, size_t align, void **out)
{
	if (!bb_state_ok(bb) || !out || bad_request(size, align))
		return -EINVAL;
	/* First fit over trees in the order they were added, like within one. */
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		struct bitmap_buddy_tree *t = &bb->trees[n];
		size_t pad = 0;
		/* Alignment 1 (kmalloc's) needs no padding. */
		unsigned int order =
		    align == 1 ? bb_order_of(size) : request_order(t, size, align, &pad);

		if (order <= t->root_order && t->nodes[0] >= order)
			return tree_alloc(t, order, pad, out);
	}
	return -ENOMEM;
}

static struct bitmap_buddy_tree *tree_of(const struct bitmap_buddy *bb, uintptr_t p)
{
	for (unsigned int n = 0; n < bb->nr_trees; n++)
		if (p - bb->trees[n].base < bb->trees[n].managed)
			return (struct bitmap_buddy_tree *)&bb->trees[n];
	return NULL;
}

/*
 * Order of the live block handed out at p (at tree offset off), found from the
 * pointer alone; 0 if there is none. The leaf bit says "live 8-byte block", the
 * whole16 bit "live 16-byte block"; otherwise the order-5 node holding p is
 * the block (ALLOCATED, PADDED) or names its order.
 */
static unsigned int live_order_at(const struct bitmap_buddy_tree *t, size_t off, uintptr_t p)
{
	unsigned int order = FIRST_BYTE_ORDER, value;
	size_t start;

	if (off % 8)
		return 0;
	if (!bb_test_bit(t->leaf_free, off >> MIN_ORDER))
		return MIN_ORDER;
	if (bb_test_bit(t->whole16, off >> WHOLE16_ORDER))
		return off % 16 ? 0 : WHOLE16_ORDER;
	value = bb_level(t, FIRST_BYTE_ORDER)[off >> FIRST_BYTE_ORDER];
	if (value > FIRST_BYTE_ORDER) {
		if (value > t->root_order)
			return 0;
		order = value;
		value = bb_level(t, order)[off >> order];
	}
	start = off & ~(((size_t)1 << order) - 1);
	if (value == ALLOCATED)
		return start == off ? order : 0;
	if (value == PADDED)
		return *(const uintptr_t *)(t->base + start) == p ? order : 0;
	return 0;
}

size_t bitmap_buddy_usable_size(const struct bitmap_buddy *bb, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	const struct bitmap_buddy_tree *t = bb_state_ok(bb) ? tree_of(bb, p) : NULL;
	size_t off, block;
	unsigned int order;

	if (!t)
		return 0;
	off = p - t->base;
	order = live_order_at(t, off, p);
	if (!order)
		return 0;
	block = (size_t)1 << order;
	return block - (off & (block - 1));
}

/*
 * The live block that alloc(size, align) returned as ptr: its tree, order and
 * index; -ENOTALLOC if there is none. free(p, usable_size(p), 1), which
 * alloc.h promises to accept for any live block, is matched from the pointer.
 */
static int find_block(const struct bitmap_buddy *bb, uintptr_t p, size_t size, size_t align,
                      struct bitmap_buddy_tree **tree, unsigned int *order, size_t *index)
{
	struct bitmap_buddy_tree *t;
	size_t pad, off;
	unsigned int k;

	if (!bb_state_ok(bb) || bad_request(size, align))
		return -EINVAL;
	t = tree_of(bb, p);
	if (!t)
		return -ENOTALLOC;
	k = request_order(t, size, align, &pad);
	off = p - t->base - pad;
	if (k <= t->root_order && p - t->base >= pad && !(off & (((size_t)1 << k) - 1)) &&
	    bb_node_value(t, k, off >> k) == (pad ? PADDED : ALLOCATED) &&
	    (!pad || *(const uintptr_t *)(t->base + off) == p))
		goto found;
	if (align != 1)
		return -ENOTALLOC;
	off = p - t->base;
	k = live_order_at(t, off, p);
	if (!k || ((size_t)1 << k) - (off & (((size_t)1 << k) - 1)) != size)
		return -ENOTALLOC;
	off &= ~(((size_t)1 << k) - 1);
found:
	*tree = t;
	*order = k;
	*index = off >> k;
	return 0;
}

int bitmap_buddy_free(struct bitmap_buddy *bb, void *ptr, size_t size, size_t align)
{
	struct bitmap_buddy_tree *t;
	unsigned int order;
	size_t i;
	int err = find_block(bb, (uintptr_t)ptr, size, align, &t, &order, &i);

	if (err)
		return err;
	release_node(t, order, i, (uintptr_t)ptr);
	return 0;
}

/*
 * Shrinking keeps the first 2^new bytes: the block's leftmost descendant becomes
 * the live node. Growing needs the block to start its larger buddy-aligned
 * block and every sibling on the way up to be free.
 */
int bitmap_buddy_resize_in_place(struct bitmap_buddy *bb, void *ptr, size_t old_size,
                                 size_t new_size, size_t align)
{
	struct bitmap_buddy_tree *t;
	unsigned int order, new_order;
	size_t i, pad, off;
	int err = find_block(bb, (uintptr_t)ptr, old_size, align, &t, &order, &i);

	if (!err && bad_request(new_size, align))
		err = -EINVAL;
	if (err)
		return err;
	new_order = request_order(t, new_size, align, &pad);
	off = i << order;
	/* Before "same order, nothing to do": a block found by its usable size and handed
	 * out under another alignment has less room than the order says. */
	if ((uintptr_t)ptr - t->base - off != pad)
		return -ENOMEM; /* found by usable size: handed out under another alignment */
	if (new_order == order)
		return 0;
	if (new_order > order) {
		if (new_order > t->root_order || off & (((size_t)1 << new_order) - 1))
			return -ENOMEM;
		for (unsigned int o = order; o < new_order; o++)
			if (bb_node_value(t, o, (off >> o) ^ 1) != o)
				return -ENOMEM;
	}
	release_node(t, order, i, (uintptr_t)ptr);
	take_node(t, new_order, off >> new_order, (uintptr_t)ptr, 0);
	return 0;
}

int bitmap_buddy_free_block(struct bitmap_buddy *bb, void *ptr)
{
	size_t n = bitmap_buddy_usable_size(bb, ptr);

	return n ? bitmap_buddy_free(bb, ptr, n, 1) : -ENOTALLOC;
}

DEFINE_BYTE_ALLOCATOR_OPS(bitmap_buddy, bitmap_buddy_init);
