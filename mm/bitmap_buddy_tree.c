// SPDX-License-Identifier: MIT
/*
 * The tree of the compact bitmap buddy (after the XOS design note, seed 003;
 * the algorithm is in mm/bitmap_buddy.c): its layout, setup per region, and
 * the read-only queries (statistics, sizes, node values).
 *
 * Layout. Each region gets its own tree. The tree manages the first `managed`
 * bytes of the region and its levels follow them, top level first, then the
 * whole16 bits, then the leaf bits. Putting the metadata at the end keeps the
 * tree base at the region start, so a page-aligned region gives page-aligned
 * blocks of order >= 12 with no padding. For a managed size that is not a power
 * of two the tree spans the next power of two, and nodes lying wholly past
 * `managed` are not stored at all: they read as ALLOCATED, which marks the tail
 * taken while each level costs ceil(managed / 2^o) entries instead of
 * 2^(root - o). The seed's count for n = 2^K managed bytes, n/16 - 1 node bytes
 * plus (n/8 + n/16) bits, is exactly 11n/128 - 1 bytes. Other sizes stay
 * within 11n/128 plus two bytes per level: the rounding of each truncated level
 * and, below the root, one zero byte after a level with an odd count, so the
 * last node's sibling can be read without a bounds check (bb_level_slots).
 */
#include <bora/errno.h>
#include <bora/string.h>

#include "bitmap_buddy_tree.h"

/* Region sizes the 32-bit level offsets allow (see BITMAP_BUDDY_MAX_ORDER). */
#define MAX_REGION_BYTES ((size_t)1 << BITMAP_BUDDY_MAX_ORDER)

#define BB_V5_4(x)  BB_V5(x), BB_V5((x) + 1), BB_V5((x) + 2), BB_V5((x) + 3)
#define BB_V5_16(x) BB_V5_4(x), BB_V5_4((x) + 4), BB_V5_4((x) + 8), BB_V5_4((x) + 12)
const uint8_t bb_value5[64] = {BB_V5_16(0), BB_V5_16(16), BB_V5_16(32), BB_V5_16(48)};

static size_t bit_bytes(size_t bits)
{
	return (bits + 7) / 8;
}

size_t bitmap_buddy_tree_bytes(size_t managed)
{
	unsigned int root = bb_order_of(managed);
	size_t bytes = 0;

	for (unsigned int o = FIRST_BYTE_ORDER; o <= root; o++)
		bytes += bb_level_slots(managed, root, o);
	return bytes + bit_bytes(bb_level_count(managed, WHOLE16_ORDER)) +
	       bit_bytes(bb_level_count(managed, MIN_ORDER));
}

/* Largest multiple of 8 that fits in `usable` bytes together with its tree; 0 if none. */
static size_t managed_for(size_t usable)
{
	size_t lo = MIN_MANAGED_BYTES / 8, hi = usable / 8;

	if (usable > MAX_REGION_BYTES || hi < lo ||
	    lo * 8 + bitmap_buddy_tree_bytes(lo * 8) > usable)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (mid * 8 + bitmap_buddy_tree_bytes(mid * 8) <= usable)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo * 8;
}

static int tree_setup(struct bitmap_buddy_tree *t, uintptr_t region, size_t size)
{
	uintptr_t base = ALIGN_UP(region, (uintptr_t)8);
	size_t managed, leaves, off = 0;

	if (base < region || base - region >= size)
		return -EINVAL;
	managed = managed_for(size - (base - region));
	if (!managed)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->region = region;
	t->region_size = size;
	t->base = base;
	t->managed = managed;
	t->root_order = bb_order_of(managed);
	t->nodes = (uint8_t *)(base + managed);
	for (unsigned int o = t->root_order; o >= FIRST_BYTE_ORDER; o--) {
		t->level_off[o] = (uint32_t)off;
		off += bb_level_slots(managed, t->root_order, o);
	}
	t->whole16 = t->nodes + off;
	t->leaf_free = t->whole16 + bit_bytes(bb_level_count(managed, WHOLE16_ORDER));

	leaves = managed / 8;
	memset(t->whole16, 0, bit_bytes(bb_level_count(managed, WHOLE16_ORDER)));
	memset(t->leaf_free, 0xff, leaves / 8);
	if (leaves % 8)
		t->leaf_free[leaves / 8] = (uint8_t)((1u << (leaves % 8)) - 1);
	/* Bottom-up, so the one partial node of each level can be combined from below. */
	for (unsigned int o = FIRST_BYTE_ORDER; o <= t->root_order; o++) {
		size_t count = bb_level_count(managed, o);
		uint8_t *level = bb_level(t, o);

		memset(level, (int)o, count);
		if (bb_level_slots(managed, t->root_order, o) > count)
			level[count] = ALLOCATED; /* the last node's sibling */
		if (managed & (((size_t)1 << o) - 1))
			level[count - 1] =
			    (uint8_t)bb_combine(o, bb_node_value(t, o - 1, 2 * count - 2),
			                        bb_node_value(t, o - 1, 2 * count - 1));
	}
	return 0;
}

int bitmap_buddy_add_region(struct bitmap_buddy *bb, void *base, size_t size)
{
	uintptr_t start = (uintptr_t)base;

	if (!bb_state_ok(bb) || !base || !size || size > MAX_REGION_BYTES || start + size < start)
		return -EINVAL;
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		const struct bitmap_buddy_tree *t = &bb->trees[n];

		if (start < t->region + t->region_size && t->region < start + size)
			return -EOVERLAP;
	}
	if (bb->nr_trees == CONFIG_BITMAP_BUDDY_MAX_REGIONS)
		return -ENOMEM;
	if (tree_setup(&bb->trees[bb->nr_trees], start, size))
		return -EINVAL;
	bb->nr_trees++;
	return 0;
}

int bitmap_buddy_init(struct bitmap_buddy *bb, void *base, size_t size)
{
	if (!bb)
		return -EINVAL;
	memset(bb, 0, sizeof(*bb));
	bb->magic = BB_MAGIC;
	return bitmap_buddy_add_region(bb, base, size);
}

void bitmap_buddy_stats(const struct bitmap_buddy *bb, struct byte_alloc_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!bb_state_ok(bb))
		return;
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		const struct bitmap_buddy_tree *t = &bb->trees[n];
		unsigned int root = t->nodes[0];

		st->total += t->region_size;
		st->used += t->used;
		st->metadata += t->region_size - t->managed;
		if (root >= MIN_ORDER && ((size_t)1 << root) > st->largest_free)
			st->largest_free = (size_t)1 << root;
	}
	st->available = st->total - st->used - st->metadata;
}

size_t bitmap_buddy_metadata_bytes(size_t size)
{
	size_t managed = managed_for(size);

	return managed ? size - managed : 0;
}

size_t bitmap_buddy_region_bytes(size_t managed)
{
	if (managed < MIN_MANAGED_BYTES || managed % 8 || managed > MAX_REGION_BYTES / 2)
		return 0;
	return managed + bitmap_buddy_tree_bytes(managed);
}

int bitmap_buddy_node_value(const struct bitmap_buddy *bb, unsigned int tree, unsigned int order,
                            size_t index)
{
	const struct bitmap_buddy_tree *t;

	if (!bb_state_ok(bb) || tree >= bb->nr_trees)
		return -EINVAL;
	t = &bb->trees[tree];
	if (order < MIN_ORDER || order > t->root_order ||
	    index >= bb_level_count(t->managed, order))
		return -EINVAL;
	return (int)bb_node_value(t, order, index);
}
