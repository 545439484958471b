// SPDX-License-Identifier: MIT
/*
 * Validator of the compact bitmap buddy (mm/bitmap_buddy.c, after the XOS
 * design note, seed 003): walks every stored node of every tree and checks it
 * against its children, the pointer markers, the tail and the used counter.
 * O(tree size); the fuzzer and the tests call it, never the allocator itself.
 */
#include <bora/errno.h>
#include <bora/string.h>

#include "bitmap_buddy_tree.h"

struct why_buf {
	char *buf;
	size_t len, pos;
};

static void why_str(struct why_buf *w, const char *s)
{
	while (*s && w->pos + 1 < w->len)
		w->buf[w->pos++] = *s++;
	if (w->len)
		w->buf[w->pos] = '\0';
}

static void why_uint(struct why_buf *w, uint64_t v)
{
	char digits[21];
	int n = 20;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	why_str(w, &digits[n]);
}

/* "tree T order O node I: what" into `why`; returns -ECORRUPT. */
static int corrupt(struct why_buf *w, unsigned int tree, unsigned int order, size_t node,
                   const char *what)
{
	why_str(w, "tree ");
	why_uint(w, tree);
	why_str(w, " order ");
	why_uint(w, order);
	why_str(w, " node ");
	why_uint(w, node);
	why_str(w, ": ");
	why_str(w, what);
	return -ECORRUPT;
}

static bool geometry_ok(const struct bitmap_buddy_tree *t)
{
	size_t managed = t->managed, off = 0;

	if (managed < MIN_MANAGED_BYTES || managed % 8 || t->root_order != bb_order_of(managed) ||
	    t->root_order > BITMAP_BUDDY_MAX_ORDER ||
	    t->base != ALIGN_UP(t->region, (uintptr_t)8) ||
	    t->base - t->region + managed + bitmap_buddy_tree_bytes(managed) > t->region_size ||
	    t->nodes != (uint8_t *)(t->base + managed))
		return false;
	for (unsigned int o = t->root_order; o >= FIRST_BYTE_ORDER; o--) {
		if (t->level_off[o] != off)
			return false;
		off += bb_level_slots(managed, t->root_order, o);
	}
	return t->whole16 == t->nodes + off &&
	       t->leaf_free == t->whole16 + (bb_level_count(managed, WHOLE16_ORDER) + 7) / 8;
}

/* The pointer a live byte node (ALLOCATED or PADDED) handed out. */
static uintptr_t live_pointer(const struct bitmap_buddy_tree *t, unsigned int order, size_t i,
                              unsigned int value)
{
	uintptr_t start = t->base + (i << order);

	return value == PADDED ? *(const uintptr_t *)start : start;
}

/* A child's value as its parent sees it: an order-5 pointer marker lies in a free subtree. */
static unsigned int child_value(const struct bitmap_buddy_tree *t, unsigned int order, size_t i)
{
	unsigned int value = bb_node_value(t, order, i);

	return order == FIRST_BYTE_ORDER && value > FIRST_BYTE_ORDER ? FIRST_BYTE_ORDER : value;
}

static int validate_bits(const struct bitmap_buddy_tree *t, unsigned int n, struct why_buf *w,
                         size_t *live)
{
	size_t leaves = t->managed / 8, nodes16 = bb_level_count(t->managed, WHOLE16_ORDER);

	/* Bits past the last stored node stay clear: the tail beyond the region is taken. */
	if (leaves % 8 && t->leaf_free[leaves / 8] >> (leaves % 8))
		return corrupt(w, n, MIN_ORDER, leaves, "leaf past the region marked free");
	if (nodes16 % 8 && t->whole16[nodes16 / 8] >> (nodes16 % 8))
		return corrupt(w, n, WHOLE16_ORDER, nodes16, "16-byte node past the region marked");
	for (size_t i = 0; i < leaves; i++)
		if (!bb_test_bit(t->leaf_free, i))
			*live += (size_t)1 << MIN_ORDER;
	for (size_t i = 0; i < nodes16; i++) {
		if (!bb_test_bit(t->whole16, i))
			continue;
		if (bb_node_value(t, MIN_ORDER, 2 * i) != MIN_ORDER ||
		    bb_node_value(t, MIN_ORDER, 2 * i + 1) != MIN_ORDER)
			return corrupt(w, n, WHOLE16_ORDER, i, "live block over a non-free leaf");
		*live += (size_t)1 << WHOLE16_ORDER;
	}
	return 0;
}

/*
 * An order-5 value above 5 is the marker of the live block of that order whose
 * pointer lies in this node; every live block of order >= 6 has exactly that one.
 */
static int validate_marker(const struct bitmap_buddy_tree *t, unsigned int n, size_t i,
                           struct why_buf *w)
{
	unsigned int k = bb_level(t, FIRST_BYTE_ORDER)[i], value;
	size_t block = i >> (k - FIRST_BYTE_ORDER);

	if (k > t->root_order)
		return corrupt(w, n, FIRST_BYTE_ORDER, i, "marker names an order above the root");
	value = bb_level(t, k)[block];
	if ((value != ALLOCATED && value != PADDED) ||
	    (live_pointer(t, k, block, value) - t->base) >> FIRST_BYTE_ORDER != i)
		return corrupt(w, n, FIRST_BYTE_ORDER, i, "marker without its live block");
	return 0;
}

/*
 * Every stored node against its children: a live node (ALLOCATED or PADDED)
 * needs two wholly free children (so its whole subtree reads free, see the top
 * comment of bitmap_buddy.c), any other node must equal combine() of its
 * children. The live bytes found must add up to the tree's used counter.
 */
static int validate_tree(const struct bitmap_buddy_tree *t, unsigned int n, struct why_buf *w)
{
	size_t live = 0;
	int err;

	if (!geometry_ok(t))
		return corrupt(w, n, t->root_order, 0, "tree geometry does not match its region");
	err = validate_bits(t, n, w, &live);
	if (err)
		return err;
	for (unsigned int o = FIRST_BYTE_ORDER; o <= t->root_order; o++) {
		size_t count = bb_level_count(t->managed, o);

		if (bb_level_slots(t->managed, t->root_order, o) > count &&
		    bb_level(t, o)[count] != ALLOCATED)
			return corrupt(w, n, o, count, "sibling slot past the region not taken");
		for (size_t i = 0; i < count; i++) {
			unsigned int value = bb_level(t, o)[i];
			unsigned int left = child_value(t, o - 1, 2 * i);
			unsigned int right = child_value(t, o - 1, 2 * i + 1);

			if (o == FIRST_BYTE_ORDER && value > FIRST_BYTE_ORDER) {
				err = validate_marker(t, n, i, w);
				if (err)
					return err;
				value = FIRST_BYTE_ORDER;
			}
			if (value == ALLOCATED || value == PADDED) {
				uintptr_t start = t->base + (i << o);
				uintptr_t ptr = live_pointer(t, o, i, value);

				if (left != o - 1 || right != o - 1)
					return corrupt(w, n, o, i,
					               "live block over a non-free child");
				if (value == PADDED &&
				    (ptr == start || ptr - start >= ((size_t)1 << o) ||
				     (ptr - start) % 8))
					return corrupt(w, n, o, i,
					               "padded block's pointer outside it");
				if (o > FIRST_BYTE_ORDER &&
				    bb_level(
				        t, FIRST_BYTE_ORDER)[(ptr - t->base) >> FIRST_BYTE_ORDER] !=
				        o)
					return corrupt(w, n, o, i, "live block without its marker");
				live += (size_t)1 << o;
			} else if (value != bb_combine(o, left, right)) {
				return corrupt(w, n, o, i, "value disagrees with its children");
			}
		}
	}
	if (live != t->used)
		return corrupt(w, n, t->root_order, 0, "used counter disagrees with live blocks");
	return 0;
}

int bitmap_buddy_validate(const struct bitmap_buddy *bb, char *why, size_t why_len)
{
	struct why_buf w = {why, why ? why_len : 0, 0};
	int err;

	why_str(&w, "");
	if (!bb_state_ok(bb)) {
		why_str(&w, "bad magic or tree count");
		return -ECORRUPT;
	}
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		const struct bitmap_buddy_tree *t = &bb->trees[n];

		for (unsigned int m = 0; m < n; m++) {
			const struct bitmap_buddy_tree *u = &bb->trees[m];

			if (t->region < u->region + u->region_size &&
			    u->region < t->region + t->region_size)
				return corrupt(&w, n, t->root_order, 0, "regions overlap");
		}
		err = validate_tree(t, n, &w);
		if (err)
			return err;
	}
	return 0;
}
