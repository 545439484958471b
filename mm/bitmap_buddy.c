// SPDX-License-Identifier: MIT
/*
 * Compact bitmap buddy allocator, after seed 003 (XOS, "bitmap buddy"): a complete
 * binary tree over 8-byte units where every node holds log2 of the largest free
 * block below it (optimisation 1: a uint8_t instead of a uint), and the two
 * lowest levels are bits (optimisation 3).
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
 * keeps its "free" values while the block is live. Hence ALLOCATED appears only
 * at the node of a live block: combine() never produces it, so no ancestor or
 * descendant of a live block can hold it, and "split into live children" is
 * SPLIT_FULL or a smaller order, never ALLOCATED. free() of an order-k block thus
 * only has to test the order-k node: an interior pointer or a too-small size
 * lands on a node reading "free", a too-large size on a split node, a second
 * free on a node already reading "free".
 *
 * Layout. Each region gets its own tree. The tree manages the first `managed`
 * bytes of the region and its levels follow them, top level first, then the
 * whole16 bits, then the leaf bits. Putting the metadata at the end keeps the
 * tree base at the region start, so a page-aligned region gives page-aligned
 * blocks of order >= 12 with no padding. The tree covers only the managed part:
 * a tree covering its own metadata would grow with it and must mark it
 * allocated anyway. For a managed size that is not a power of two the tree
 * spans the next power of two, and nodes lying wholly past `managed` are not
 * stored at all: they read as ALLOCATED, which marks the tail taken while each
 * level costs ceil(managed / 2^o) entries instead of 2^(root - o). The seed's
 * count for n = 2^K managed bytes, n/16 - 1 node bytes plus (n/8 + n/16) bits,
 * is exactly 11n/128 - 1 bytes; truncation keeps every other size within
 * 11n/128 plus a byte per level.
 */
#include <bora/bitmap_buddy.h>
#include <bora/bitops.h> /* is_power_of_2 */
#include <bora/errno.h>
#include <bora/string.h>

#define BB_MAGIC         0x62427564u /* "dBuB" */
#define MIN_ORDER        BITMAP_BUDDY_MIN_ORDER
#define WHOLE16_ORDER    4
#define FIRST_BYTE_ORDER 5
#define ALLOCATED        BITMAP_BUDDY_ALLOCATED
#define SPLIT_FULL       BITMAP_BUDDY_SPLIT_FULL
#define PADDED           BITMAP_BUDDY_PADDED
/* Keeps every order a valid shift count for size_t and a uint8_t node value. */
#define MAX_REGION_BYTES ((size_t)1 << 62)
/* A root below order 5 would have no byte level; such a region is refused. */
#define MIN_MANAGED_BYTES 24

/* Bit count without __builtin_popcountll, which needs libgcc on rv64gc. */
static unsigned int popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned int)((x * 0x0101010101010101ULL) >> 56);
}

/* Smallest k with 2^k >= x, by smearing the top bit down (no clz: libgcc on rv64gc). */
static unsigned int ceil_log2(uint64_t x)
{
	uint64_t y = x ? x - 1 : 0;

	for (unsigned int shift = 1; shift < 64; shift *= 2)
		y |= y >> shift;
	return popcount64(y);
}

/* Nodes stored at `order`: those starting below `managed`. */
static size_t level_count(size_t managed, unsigned int order)
{
	return ((managed - 1) >> order) + 1;
}

/*
 * Offset of level `order` in the node bytes: the sum of level_count() over the
 * orders above it. With y = (managed - 1) >> order, sum_{t>=1} floor(y / 2^t)
 * equals y - popcount(y), and each of the (root - order) levels adds one.
 */
static size_t level_offset(size_t managed, unsigned int root, unsigned int order)
{
	uint64_t y = (managed - 1) >> order;

	return (size_t)(y - popcount64(y)) + (root - order);
}

static size_t bit_bytes(size_t bits)
{
	return (bits + 7) / 8;
}

static size_t tree_bytes(size_t managed)
{
	unsigned int root = ceil_log2(managed);

	return level_offset(managed, root, WHOLE16_ORDER) +
	       bit_bytes(level_count(managed, WHOLE16_ORDER)) +
	       bit_bytes(level_count(managed, MIN_ORDER));
}

/* Largest multiple of 8 that fits in `usable` bytes together with its tree; 0 if none. */
static size_t managed_for(size_t usable)
{
	size_t lo = MIN_MANAGED_BYTES / 8, hi = usable / 8;

	if (usable > MAX_REGION_BYTES || hi < lo || lo * 8 + tree_bytes(lo * 8) > usable)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (mid * 8 + tree_bytes(mid * 8) <= usable)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo * 8;
}

static bool test_bit8(const uint8_t *map, size_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

static void assign_bit8(uint8_t *map, size_t i, bool on)
{
	if (on)
		map[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static bool leaf_is_free(const struct bitmap_buddy_tree *t, size_t i)
{
	return i < t->managed / 8 && test_bit8(t->leaf_free, i);
}

static uint8_t *node_byte(const struct bitmap_buddy_tree *t, unsigned int order, size_t i)
{
	return &t->nodes[level_offset(t->managed, t->root_order, order) + i];
}

static unsigned int node_value(const struct bitmap_buddy_tree *t, unsigned int order, size_t i)
{
	bool left, right;

	if (i >= level_count(t->managed, order))
		return ALLOCATED; /* wholly past the region: the tail is permanently taken */
	if (order >= FIRST_BYTE_ORDER)
		return *node_byte(t, order, i);
	if (order == MIN_ORDER)
		return test_bit8(t->leaf_free, i) ? MIN_ORDER : ALLOCATED;
	if (test_bit8(t->whole16, i))
		return ALLOCATED;
	left = leaf_is_free(t, 2 * i);
	right = leaf_is_free(t, 2 * i + 1);
	if (left && right)
		return WHOLE16_ORDER;
	return left || right ? MIN_ORDER : SPLIT_FULL;
}

/* Value of a split-or-free node of `order` from its children's values. */
static unsigned int combine(unsigned int order, unsigned int left, unsigned int right)
{
	unsigned int best = MAX(left, right);

	if (left == order - 1 && right == order - 1)
		return order;
	return best >= MIN_ORDER ? best : SPLIT_FULL;
}

static unsigned int children_value(const struct bitmap_buddy_tree *t, unsigned int order, size_t i)
{
	return combine(order, node_value(t, order - 1, 2 * i), node_value(t, order - 1, 2 * i + 1));
}

/*
 * Make node (order, i) a free block, or a live one handed out at `ptr`; the
 * caller fixes ancestors. A padded block (ptr past the block start) has order
 * >= FIRST_BYTE_ORDER (request_order) and at least 8 bytes of padding.
 */
static void set_live(struct bitmap_buddy_tree *t, unsigned int order, size_t i, bool live,
                     uintptr_t ptr)
{
	uintptr_t start = t->base + (i << order);

	if (live && ptr != start) {
		*node_byte(t, order, i) = PADDED;
		*(uintptr_t *)start = ptr;
	} else if (order >= FIRST_BYTE_ORDER) {
		*node_byte(t, order, i) = live ? ALLOCATED : (uint8_t)order;
	} else if (order == WHOLE16_ORDER) {
		assign_bit8(t->whole16, i, live);
	} else {
		assign_bit8(t->leaf_free, i, !live);
	}
}

static void update_ancestors(struct bitmap_buddy_tree *t, unsigned int order, size_t i)
{
	while (order < t->root_order) {
		uint8_t *byte, value;

		order++;
		i /= 2;
		if (order < FIRST_BYTE_ORDER)
			continue; /* order 4 is derived from the leaves on every read */
		value = (uint8_t)children_value(t, order, i);
		byte = node_byte(t, order, i);
		if (*byte == value)
			break; /* ancestors depend only on this value */
		*byte = value;
	}
}

static int tree_setup(struct bitmap_buddy_tree *t, uintptr_t region, size_t size)
{
	uintptr_t base = ALIGN_UP(region, (uintptr_t)8);
	size_t managed, leaves;

	if (base < region || base - region >= size)
		return -EINVAL;
	managed = managed_for(size - (base - region));
	if (!managed)
		return -EINVAL;
	t->region = region;
	t->region_size = size;
	t->base = base;
	t->managed = managed;
	t->used = 0;
	t->root_order = ceil_log2(managed);
	t->nodes = (uint8_t *)(base + managed);
	t->whole16 = t->nodes + level_offset(managed, t->root_order, WHOLE16_ORDER);
	t->leaf_free = t->whole16 + bit_bytes(level_count(managed, WHOLE16_ORDER));

	leaves = managed / 8;
	memset(t->whole16, 0, bit_bytes(level_count(managed, WHOLE16_ORDER)));
	memset(t->leaf_free, 0xff, leaves / 8);
	if (leaves % 8)
		t->leaf_free[leaves / 8] = (uint8_t)((1u << (leaves % 8)) - 1);
	/* Bottom-up, so the one partial node of each level can be combined from below. */
	for (unsigned int order = FIRST_BYTE_ORDER; order <= t->root_order; order++) {
		size_t count = level_count(managed, order);

		memset(node_byte(t, order, 0), (int)order, count);
		if (managed & (((size_t)1 << order) - 1))
			*node_byte(t, order, count - 1) =
			    (uint8_t)children_value(t, order, count - 1);
	}
	return 0;
}

static bool state_ok(const struct bitmap_buddy *bb)
{
	return bb && bb->magic == BB_MAGIC && bb->nr_trees <= CONFIG_BITMAP_BUDDY_MAX_REGIONS;
}

int bitmap_buddy_add_region(struct bitmap_buddy *bb, void *base, size_t size)
{
	uintptr_t start = (uintptr_t)base;

	if (!state_ok(bb) || !base || !size || size > MAX_REGION_BYTES || start + size < start)
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

static int check_request(size_t size, size_t align)
{
	if (!size || size > SIZE_MAX / 2 || !is_power_of_2(align))
		return -EINVAL;
	return 0;
}

/*
 * Order of the block serving (size, align) in tree t, and the padding from the
 * block start to the pointer handed out. Raising the order to log2(align) makes
 * every candidate block 2^order-aligned relative to the tree base, so when the
 * base itself is less aligned than `align` the padding is the same for every
 * block and free() can undo it from the pointer alone.
 */
static unsigned int request_order(const struct bitmap_buddy_tree *t, size_t size, size_t align,
                                  size_t *pad)
{
	unsigned int order;

	*pad = (size_t)(0 - t->base) & (align - 1);
	order = MAX(ceil_log2((uint64_t)size + *pad), ceil_log2(align));
	/* A padded block needs a byte node to be marked PADDED. */
	return MAX(order, (unsigned int)(*pad ? FIRST_BYTE_ORDER : MIN_ORDER));
}

int bitmap_buddy_alloc(struct bitmap_buddy *bb, size_t size, size_t align, void **out)
{
	struct bitmap_buddy_tree *best = NULL;
	unsigned int best_value = 0, order = 0;
	size_t pad = 0, i = 0;
	int err = check_request(size, align);

	if (!state_ok(bb) || !out)
		return -EINVAL;
	if (err)
		return err;
	/* Best fit over trees: the smallest largest-free-block that still fits. */
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		struct bitmap_buddy_tree *t = &bb->trees[n];
		size_t t_pad;
		unsigned int k = request_order(t, size, align, &t_pad);
		unsigned int root = node_value(t, t->root_order, 0);

		if (k > t->root_order || root < k || (best && root >= best_value))
			continue;
		best = t;
		best_value = root;
		order = k;
		pad = t_pad;
	}
	if (!best)
		return -ENOMEM;
	/* Same best fit between siblings: keep the larger free block whole. */
	for (unsigned int o = best->root_order; o > order; o--) {
		unsigned int left = node_value(best, o - 1, 2 * i);
		unsigned int right = node_value(best, o - 1, 2 * i + 1);

		i = 2 * i + (left < order || (right >= order && right < left));
	}
	set_live(best, order, i, true, best->base + (i << order) + pad);
	update_ancestors(best, order, i);
	best->used += (size_t)1 << order;
	*out = (void *)(best->base + (i << order) + pad);
	return 0;
}

/* Find the live block that alloc(size, align) returned as `ptr`; -ENOTALLOC if there is none. */
static int find_block(struct bitmap_buddy *bb, void *ptr, size_t size, size_t align,
                      struct bitmap_buddy_tree **tree, unsigned int *order, size_t *index)
{
	uintptr_t p = (uintptr_t)ptr;
	struct bitmap_buddy_tree *t = NULL;
	size_t pad, off;
	unsigned int k;
	int err = check_request(size, align);

	if (!state_ok(bb))
		return -EINVAL;
	if (err)
		return err;
	for (unsigned int n = 0; n < bb->nr_trees && !t; n++)
		if (p >= bb->trees[n].base && p - bb->trees[n].base < bb->trees[n].managed)
			t = &bb->trees[n];
	if (!t)
		return -ENOTALLOC;
	k = request_order(t, size, align, &pad);
	if (k > t->root_order || p - t->base < pad)
		return -ENOTALLOC;
	off = p - t->base - pad;
	if (off & (((size_t)1 << k) - 1) ||
	    node_value(t, k, off >> k) != (pad ? PADDED : ALLOCATED))
		return -ENOTALLOC;
	if (pad && *(const uintptr_t *)(t->base + off) != p)
		return -ENOTALLOC; /* this block was handed out under another alignment */
	*tree = t;
	*order = k;
	*index = off >> k;
	return 0;
}

/*
 * The live block handed out as ptr, found from the pointer alone: the one node
 * on ptr's path to the root that reads ALLOCATED (starting at ptr) or PADDED
 * (holding ptr in its first word). O(tree height). Its usable bytes, or 0.
 */
static size_t live_block_of(struct bitmap_buddy *bb, const void *ptr,
                            struct bitmap_buddy_tree **tree, unsigned int *order, size_t *index)
{
	uintptr_t p = (uintptr_t)ptr;

	if (!state_ok(bb))
		return 0;
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		struct bitmap_buddy_tree *t = &bb->trees[n];
		size_t off = p - t->base;

		if (p < t->base || off >= t->managed)
			continue;
		for (unsigned int k = MIN_ORDER; k <= t->root_order; k++) {
			size_t start = off & ~(((size_t)1 << k) - 1);
			unsigned int v = node_value(t, k, start >> k);

			if (v == ALLOCATED && start != off)
				return 0;
			if (v == PADDED && *(const uintptr_t *)(t->base + start) != p)
				return 0;
			if (v == ALLOCATED || v == PADDED) {
				*tree = t;
				*order = k;
				*index = start >> k;
				return ((size_t)1 << k) - (off - start);
			}
		}
		return 0;
	}
	return 0;
}

size_t bitmap_buddy_usable_size(const struct bitmap_buddy *bb, const void *ptr)
{
	struct bitmap_buddy_tree *t;
	unsigned int order;
	size_t i;

	return live_block_of((struct bitmap_buddy *)bb, ptr, &t, &order, &i);
}

int bitmap_buddy_free(struct bitmap_buddy *bb, void *ptr, size_t size, size_t align)
{
	struct bitmap_buddy_tree *t;
	unsigned int order;
	size_t i;
	int err = find_block(bb, ptr, size, align, &t, &order, &i);

	/* free(ptr, usable_size(ptr), 1), the call alloc.h promises to accept. */
	if (err == -ENOTALLOC && align == 1 && size &&
	    live_block_of(bb, ptr, &t, &order, &i) == size)
		err = 0;

	if (err)
		return err;
	set_live(t, order, i, false, 0);
	update_ancestors(t, order, i);
	t->used -= (size_t)1 << order;
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
	int err = find_block(bb, ptr, old_size, align, &t, &order, &i);

	if (!err)
		err = check_request(new_size, align);
	if (err)
		return err;
	new_order = request_order(t, new_size, align, &pad);
	if (new_order == order)
		return 0;
	off = i << order;
	if (new_order > order) {
		if (new_order > t->root_order || off & (((size_t)1 << new_order) - 1))
			return -ENOMEM;
		for (unsigned int o = order; o < new_order; o++)
			if (node_value(t, o, (off >> o) ^ 1) != o)
				return -ENOMEM;
	}
	set_live(t, order, i, false, 0);
	update_ancestors(t, order, i);
	set_live(t, new_order, off >> new_order, true, (uintptr_t)ptr);
	update_ancestors(t, new_order, off >> new_order);
	t->used = t->used - ((size_t)1 << order) + ((size_t)1 << new_order);
	return 0;
}

void bitmap_buddy_stats(const struct bitmap_buddy *bb, struct byte_alloc_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!state_ok(bb))
		return;
	for (unsigned int n = 0; n < bb->nr_trees; n++) {
		const struct bitmap_buddy_tree *t = &bb->trees[n];
		unsigned int root = node_value(t, t->root_order, 0);

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
	return managed + tree_bytes(managed);
}

int bitmap_buddy_node_value(const struct bitmap_buddy *bb, unsigned int tree, unsigned int order,
                            size_t index)
{
	const struct bitmap_buddy_tree *t;

	if (!state_ok(bb) || tree >= bb->nr_trees)
		return -EINVAL;
	t = &bb->trees[tree];
	if (order < MIN_ORDER || order > t->root_order || index >= level_count(t->managed, order))
		return -EINVAL;
	return (int)node_value(t, order, index);
}

/* ---- validation ---------------------------------------------------------- */

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

static int validate_geometry(const struct bitmap_buddy_tree *t, unsigned int n, struct why_buf *w)
{
	size_t managed = t->managed;

	if (managed < MIN_MANAGED_BYTES || managed % 8 || t->root_order != ceil_log2(managed) ||
	    t->base != ALIGN_UP(t->region, (uintptr_t)8) ||
	    t->base - t->region + managed + tree_bytes(managed) > t->region_size ||
	    t->nodes != (uint8_t *)(t->base + managed) ||
	    t->whole16 != t->nodes + level_offset(managed, t->root_order, WHOLE16_ORDER) ||
	    t->leaf_free != t->whole16 + bit_bytes(level_count(managed, WHOLE16_ORDER)))
		return corrupt(w, n, t->root_order, 0, "tree geometry does not match its region");
	return 0;
}

/*
 * Every stored node against its children: a live node (ALLOCATED) needs two
 * wholly free children (so its whole subtree reads free, see the top comment),
 * any other node must equal combine() of its children. The live bytes found
 * must add up to the tree's used counter.
 */
static int validate_tree(const struct bitmap_buddy_tree *t, unsigned int n, struct why_buf *w)
{
	size_t live = 0, leaves = t->managed / 8, nodes16 = level_count(t->managed, WHOLE16_ORDER);

	if (validate_geometry(t, n, w))
		return -ECORRUPT;
	/* Bits past the last stored node stay clear: the tail beyond the region is taken. */
	if (leaves % 8 && t->leaf_free[leaves / 8] >> (leaves % 8))
		return corrupt(w, n, MIN_ORDER, leaves, "leaf past the region marked free");
	if (nodes16 % 8 && t->whole16[nodes16 / 8] >> (nodes16 % 8))
		return corrupt(w, n, WHOLE16_ORDER, nodes16, "16-byte node past the region marked");
	for (size_t i = 0; i < leaves; i++)
		if (!test_bit8(t->leaf_free, i))
			live += (size_t)1 << MIN_ORDER;
	for (size_t i = 0; i < nodes16; i++) {
		if (!test_bit8(t->whole16, i))
			continue;
		if (!leaf_is_free(t, 2 * i) || !leaf_is_free(t, 2 * i + 1))
			return corrupt(w, n, WHOLE16_ORDER, i, "live block over a non-free leaf");
		live += (size_t)1 << WHOLE16_ORDER;
	}
	for (unsigned int o = FIRST_BYTE_ORDER; o <= t->root_order; o++) {
		for (size_t i = 0; i < level_count(t->managed, o); i++) {
			unsigned int value = *node_byte(t, o, i);
			unsigned int left = node_value(t, o - 1, 2 * i);
			unsigned int right = node_value(t, o - 1, 2 * i + 1);

			if (value == ALLOCATED || value == PADDED) {
				uintptr_t start = t->base + (i << o);
				uintptr_t ptr = value == PADDED ? *(const uintptr_t *)start : start;

				if (left != o - 1 || right != o - 1)
					return corrupt(w, n, o, i,
					               "live block over a non-free child");
				if (value == PADDED &&
				    (ptr == start || ptr - start >= ((size_t)1 << o) ||
				     (ptr - start) % 8))
					return corrupt(w, n, o, i,
					               "padded block's pointer outside it");
				live += (size_t)1 << o;
			} else if (value != combine(o, left, right)) {
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
	if (!state_ok(bb)) {
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

/* ---- byte allocator ops -------------------------------------------------- */

DEFINE_BYTE_ALLOCATOR_OPS(bitmap_buddy, bitmap_buddy_init);
