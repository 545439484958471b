// SPDX-License-Identifier: MIT
/*
 * Buddy allocator with a free list per order; see include/bora/buddy.h for the
 * layout. Region metadata: a struct buddy_region header followed by one tag
 * byte per unit, then the unit-aligned data area. The data area is split into
 * the largest naturally aligned power-of-two blocks that fit, so an arbitrary
 * base and size work and block alignment is absolute (a block of order k is
 * aligned to unit << k), which is what lets alloc() serve alignment requests by
 * raising the order.
 */
#include <bora/bitops.h>
#include <bora/buddy.h>
#include <bora/errno.h>
#include <bora/string.h>

/* Unit of the byte allocator in buddy_byte_ops: 1 << CONFIG_BUDDY_MIN_ORDER bytes. */
#ifndef CONFIG_BUDDY_MIN_ORDER
#define CONFIG_BUDDY_MIN_ORDER 4
#endif
#if CONFIG_BUDDY_MIN_ORDER < BUDDY_UNIT_SHIFT_MIN || CONFIG_BUDDY_MIN_ORDER > 12
#error "CONFIG_BUDDY_MIN_ORDER must be 3..12"
#endif

#define NIL       UINT32_MAX
#define MAX_UNITS (UINT32_MAX - 1) /* NIL must never be a unit index */

/* Tag byte: which kind of block head a unit is, and the block's order. */
#define TAG_ORDER_MASK 0x1f
#define TAG_MARK       0x20 /* client mark, allocated blocks only */
#define TAG_FREE       0x40
#define TAG_ALLOC      0x80

struct buddy_region {
	struct buddy_region *next;
	uintptr_t base; /* the region exactly as it was given */
	size_t size;
	uintptr_t data; /* first unit of the data area */
	uint32_t units;
	uint32_t free_mask; /* bit k set <=> head[k] != NIL */
	uint32_t head[BUDDY_ORDERS];
	uint8_t tags[];
};

struct buddy_link {
	uint32_t next;
	uint32_t prev;
};

static size_t unit_bytes(const struct buddy *b)
{
	return (size_t)1 << b->unit_shift;
}

static uintptr_t block_addr(const struct buddy *b, const struct buddy_region *r, uint32_t i)
{
	return r->data + ((uintptr_t)i << b->unit_shift);
}

static uintptr_t data_end(const struct buddy *b, const struct buddy_region *r)
{
	return block_addr(b, r, r->units);
}

static struct buddy_link *link_at(struct buddy *b, struct buddy_region *r, uint32_t i)
{
	b->link_visits++;
	return (struct buddy_link *)block_addr(b, r, i);
}

static const struct buddy_link *link_peek(const struct buddy *b, const struct buddy_region *r,
                                          uint32_t i)
{
	return (const struct buddy_link *)block_addr(b, r, i);
}

static void list_push(struct buddy *b, struct buddy_region *r, unsigned k, uint32_t i)
{
	struct buddy_link *n = link_at(b, r, i);

	n->next = r->head[k];
	n->prev = NIL;
	if (r->head[k] != NIL)
		link_at(b, r, r->head[k])->prev = i;
	r->head[k] = i;
	r->free_mask |= 1u << k;
	r->tags[i] = TAG_FREE | k;
	b->nfree[k]++;
}

static void list_remove(struct buddy *b, struct buddy_region *r, unsigned k, uint32_t i)
{
	struct buddy_link *n = link_at(b, r, i);

	if (n->prev != NIL)
		link_at(b, r, n->prev)->next = n->next;
	else
		r->head[k] = n->next;
	if (n->next != NIL)
		link_at(b, r, n->next)->prev = n->prev;
	if (r->head[k] == NIL)
		r->free_mask &= ~(1u << k);
	r->tags[i] = 0;
	b->nfree[k]--;
}

/* Index of the buddy of block (i, k), or NIL when the buddy lies outside the data area. */
static uint32_t buddy_of(const struct buddy *b, const struct buddy_region *r, uint32_t i,
                         unsigned k)
{
	uintptr_t a = block_addr(b, r, i) ^ buddy_block_bytes(b, k);

	if (a < r->data || a >= data_end(b, r))
		return NIL;
	return (uint32_t)((a - r->data) >> b->unit_shift);
}

/* The region whose data area holds p, and p's unit index; NULL if none or misaligned. */
static struct buddy_region *find_unit(const struct buddy *b, const void *p, uint32_t *index)
{
	uintptr_t a = (uintptr_t)p;

	for (struct buddy_region *r = b->regions; r; r = r->next) {
		if (a < r->data || a >= data_end(b, r))
			continue;
		if (!IS_ALIGNED(a - r->data, unit_bytes(b)))
			return NULL;
		*index = (uint32_t)((a - r->data) >> b->unit_shift);
		return r;
	}
	return NULL;
}

int buddy_order_for(const struct buddy *b, size_t size, size_t align, unsigned *order)
{
	size_t max_block = buddy_block_bytes(b, BUDDY_ORDERS - 1);
	size_t units;
	unsigned k;

	if (size == 0 || !is_power_of_2(align) || size > max_block || align > max_block)
		return -EINVAL;
	units = (size + unit_bytes(b) - 1) >> b->unit_shift;
	k = units <= 1 ? 0 : (unsigned)fls64(units - 1) + 1;
	if (align > unit_bytes(b))
		k = MAX(k, (unsigned)ilog2_u64(align) - b->unit_shift);
	*order = k;
	return 0;
}

int buddy_init(struct buddy *b, void *base, size_t size, unsigned unit_shift)
{
	if (unit_shift < BUDDY_UNIT_SHIFT_MIN || unit_shift > BUDDY_UNIT_SHIFT_MAX)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->unit_shift = unit_shift;
	return buddy_add_region(b, base, size);
}

int buddy_add_region(struct buddy *b, void *base, size_t size)
{
	uintptr_t start = (uintptr_t)base, end, hdr, tags, data = 0;
	size_t unit = unit_bytes(b), n;
	struct buddy_region *r;

	if (!base || size == 0 || size > UINTPTR_MAX - start)
		return -EINVAL;
	end = start + size;
	for (r = b->regions; r; r = r->next)
		if (start < r->base + r->size && r->base < end)
			return -EOVERLAP;

	hdr = ALIGN_UP(start, _Alignof(struct buddy_region));
	if (hdr < start || hdr >= end || end - hdr <= sizeof(struct buddy_region))
		return -EINVAL;
	tags = hdr + sizeof(struct buddy_region);
	/* Each unit costs its own bytes plus one tag byte; shave off alignment slack. */
	n = MIN((end - tags) / (unit + 1), (size_t)MAX_UNITS);
	while (n > 0) {
		data = ALIGN_UP(tags + n, unit);
		if (data >= tags && data <= end && (end - data) >> b->unit_shift >= n)
			break;
		n--;
	}
	if (n == 0)
		return -EINVAL;

	r = (struct buddy_region *)hdr;
	memset(r, 0, sizeof(*r));
	r->base = start;
	r->size = size;
	r->data = data;
	r->units = (uint32_t)n;
	for (unsigned k = 0; k < BUDDY_ORDERS; k++)
		r->head[k] = NIL;
	memset(r->tags, 0, n);

	for (uint32_t i = 0; i < r->units;) {
		unsigned align_k = (unsigned)ffs64(block_addr(b, r, i) >> b->unit_shift);
		unsigned fit_k = (unsigned)fls64(r->units - i);
		unsigned k = MIN(MIN(align_k, fit_k), BUDDY_ORDERS - 1u);

		list_push(b, r, k, i);
		i += 1u << k;
	}
	r->next = b->regions;
	b->regions = r;
	b->nregions++;
	b->total += size;
	b->metadata += size - (n << b->unit_shift);
	return 0;
}

int buddy_alloc_order(struct buddy *b, unsigned order, void **out)
{
	struct buddy_region *best = NULL;
	unsigned j = BUDDY_ORDERS;
	uint32_t i;

	if (order >= BUDDY_ORDERS)
		return -EINVAL;
	/* Best fit across regions: the smallest free order >= the one needed. */
	for (struct buddy_region *r = b->regions; r; r = r->next) {
		uint32_t m = r->free_mask >> order;

		if (m && order + (unsigned)ffs64(m) < j) {
			j = order + (unsigned)ffs64(m);
			best = r;
		}
	}
	if (!best)
		return -ENOMEM;
	i = best->head[j];
	list_remove(b, best, j, i);
	while (j > order) {
		j--;
		list_push(b, best, j, i + (1u << j));
	}
	best->tags[i] = TAG_ALLOC | order;
	b->used += buddy_block_bytes(b, order);
	*out = (void *)block_addr(b, best, i);
	return 0;
}

int buddy_alloc(struct buddy *b, size_t size, size_t align, void **out)
{
	unsigned k;
	int err = buddy_order_for(b, size, align, &k);

	return err ? err : buddy_alloc_order(b, k, out);
}

int buddy_free_order(struct buddy *b, void *ptr, unsigned order)
{
	uint32_t i, bi;
	struct buddy_region *r = find_unit(b, ptr, &i);
	unsigned k = order;

	if (!r || !(r->tags[i] & TAG_ALLOC))
		return -ENOTALLOC;
	if ((r->tags[i] & TAG_ORDER_MASK) != order)
		return -EINVAL;
	r->tags[i] = 0;
	b->used -= buddy_block_bytes(b, order);
	/* Merge upwards while the buddy is a free block of exactly this order (O(1) per step). */
	while (k < BUDDY_ORDERS - 1) {
		bi = buddy_of(b, r, i, k);
		if (bi == NIL || r->tags[bi] != (TAG_FREE | k))
			break;
		list_remove(b, r, k, bi);
		i = MIN(i, bi);
		k++;
	}
	list_push(b, r, k, i);
	return 0;
}

int buddy_free(struct buddy *b, void *ptr, size_t size, size_t align)
{
	unsigned k;
	int err = buddy_order_for(b, size, align, &k);

	return err ? err : buddy_free_order(b, ptr, k);
}

int buddy_lookup(const struct buddy *b, const void *ptr, unsigned *order, bool *mark)
{
	uint32_t i;
	const struct buddy_region *r = find_unit(b, ptr, &i);

	if (!r || !(r->tags[i] & TAG_ALLOC))
		return -ENOTALLOC;
	if (order)
		*order = r->tags[i] & TAG_ORDER_MASK;
	if (mark)
		*mark = (r->tags[i] & TAG_MARK) != 0;
	return 0;
}

size_t buddy_usable_size(const struct buddy *b, const void *ptr)
{
	unsigned order;

	if (buddy_lookup(b, ptr, &order, NULL))
		return 0;
	return buddy_block_bytes(b, order);
}

void *buddy_buddy_of(const struct buddy *b, const void *ptr, unsigned order, bool *is_free)
{
	uint32_t i, bi;
	const struct buddy_region *r = find_unit(b, ptr, &i);

	if (!r || order >= BUDDY_ORDERS - 1)
		return NULL;
	bi = buddy_of(b, r, i, order);
	if (bi == NIL)
		return NULL;
	*is_free = r->tags[bi] == (TAG_FREE | order);
	return (void *)block_addr(b, r, bi);
}

int buddy_set_mark(struct buddy *b, void *ptr, bool mark)
{
	uint32_t i;
	struct buddy_region *r = find_unit(b, ptr, &i);

	if (!r || !(r->tags[i] & TAG_ALLOC))
		return -ENOTALLOC;
	if (mark)
		r->tags[i] |= TAG_MARK;
	else
		r->tags[i] &= (uint8_t)~TAG_MARK;
	return 0;
}

int buddy_resize_in_place(struct buddy *b, void *ptr, size_t old_size, size_t new_size,
                          size_t align)
{
	unsigned k, nk, j;
	uint32_t i;
	struct buddy_region *r;
	int err;

	err = buddy_order_for(b, old_size, align, &k);
	if (!err)
		err = buddy_order_for(b, new_size, align, &nk);
	if (err)
		return err;
	r = find_unit(b, ptr, &i);
	if (!r || !(r->tags[i] & TAG_ALLOC))
		return -ENOTALLOC;
	if ((r->tags[i] & TAG_ORDER_MASK) != k)
		return -EINVAL;
	if (nk == k)
		return 0;
	if (nk < k) {
		/* Give back the upper halves; their buddies are still ours, so no merging. */
		for (j = k; j-- > nk;)
			list_push(b, r, j, i + (1u << j));
	} else {
		/* Grow only if every upper half up to the new order is a whole free block. */
		if (!IS_ALIGNED((uintptr_t)ptr, buddy_block_bytes(b, nk)))
			return -ENOMEM;
		for (j = k; j < nk; j++) {
			uint64_t bi = (uint64_t)i + (1ull << j);

			if (bi >= r->units || r->tags[bi] != (TAG_FREE | j))
				return -ENOMEM;
		}
		for (j = k; j < nk; j++)
			list_remove(b, r, j, i + (1u << j));
	}
	r->tags[i] = (uint8_t)((r->tags[i] & ~TAG_ORDER_MASK) | nk);
	b->used = b->used - buddy_block_bytes(b, k) + buddy_block_bytes(b, nk);
	return 0;
}

void buddy_stats(const struct buddy *b, struct byte_alloc_stats *st)
{
	unsigned top = 0;
	bool any = false;

	for (const struct buddy_region *r = b->regions; r; r = r->next) {
		if (r->free_mask) {
			top = MAX(top, (unsigned)fls64(r->free_mask));
			any = true;
		}
	}
	st->total = b->total;
	st->used = b->used;
	st->metadata = b->metadata;
	st->available = b->total - b->used - b->metadata;
	st->largest_free = any ? buddy_block_bytes(b, top) : 0;
}

size_t buddy_marked_bytes(const struct buddy *b)
{
	size_t bytes = 0;

	for (const struct buddy_region *r = b->regions; r; r = r->next)
		for (uint32_t i = 0; i < r->units; i++)
			if ((r->tags[i] & (TAG_ALLOC | TAG_MARK)) == (TAG_ALLOC | TAG_MARK))
				bytes += buddy_block_bytes(b, r->tags[i] & TAG_ORDER_MASK);
	return bytes;
}

/* The lists of one region: right order tag, in range, prev links, mask bits. */
static const char *check_lists(const struct buddy *b, const struct buddy_region *r,
                               size_t listed[BUDDY_ORDERS])
{
	for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
		uint32_t prev = NIL;

		listed[k] = 0;
		for (uint32_t i = r->head[k]; i != NIL; i = link_peek(b, r, i)->next) {
			if (i >= r->units)
				return "free-list index outside the region";
			if (r->tags[i] != (TAG_FREE | k))
				return "free-list node is not a free head of its order";
			if (++listed[k] > r->units)
				return "free list has a cycle";
			if (link_peek(b, r, i)->prev != prev)
				return "free-list prev link broken";
			prev = i;
		}
		if (!(r->free_mask & (1u << k)) != !listed[k])
			return "free mask disagrees with the free list";
	}
	return NULL;
}

/* Walk the tags: blocks tile the data area, aligned, free buddies merged. */
static const char *check_tags(const struct buddy *b, const struct buddy_region *r,
                              const size_t listed[BUDDY_ORDERS], size_t *used)
{
	size_t tagged[BUDDY_ORDERS] = {0};

	for (uint32_t i = 0; i < r->units;) {
		uint8_t t = r->tags[i];
		unsigned k = t & TAG_ORDER_MASK;
		uint64_t len = 1ull << k;

		if (!(t & (TAG_FREE | TAG_ALLOC)) || (t & TAG_FREE && t & (TAG_ALLOC | TAG_MARK)))
			return "unit not covered by a block head";
		if (!IS_ALIGNED(block_addr(b, r, i), buddy_block_bytes(b, k)))
			return "block not aligned to its size";
		if (i + len > r->units)
			return "block runs past the data area";
		for (uint64_t j = i + 1; j < i + len; j++)
			if (r->tags[j])
				return "block head tag inside another block";
		if (t & TAG_FREE) {
			uint32_t bi = buddy_of(b, r, i, k);

			if (bi != NIL && r->tags[bi] == (TAG_FREE | k))
				return "two free buddies left unmerged";
			tagged[k]++;
		} else {
			*used += buddy_block_bytes(b, k);
		}
		i += (uint32_t)len;
	}
	for (unsigned k = 0; k < BUDDY_ORDERS; k++)
		if (tagged[k] != listed[k])
			return "free tags and free-list lengths differ";
	return NULL;
}

int buddy_validate(const struct buddy *b, char *why, size_t why_len)
{
	size_t listed[BUDDY_ORDERS], nfree[BUDDY_ORDERS] = {0};
	size_t used = 0, total = 0, meta = 0;
	unsigned nreg = 0;
	const char *msg;

	for (const struct buddy_region *r = b->regions; r; r = r->next) {
		if (++nreg > b->nregions)
			return validate_failed(why, why_len,
			                       "region chain longer than the region count");
		if (r->data < (uintptr_t)r->tags + r->units || data_end(b, r) > r->base + r->size)
			return validate_failed(why, why_len, "region layout broken");
		total += r->size;
		meta += r->size - ((size_t)r->units << b->unit_shift);
		msg = check_lists(b, r, listed);
		if (!msg)
			msg = check_tags(b, r, listed, &used);
		if (msg)
			return validate_failed(why, why_len, msg);
		for (unsigned k = 0; k < BUDDY_ORDERS; k++)
			nfree[k] += listed[k];
	}
	if (nreg != b->nregions)
		return validate_failed(why, why_len, "region count wrong");
	if (used != b->used)
		return validate_failed(why, why_len, "used counter disagrees with the tags");
	if (total != b->total || meta != b->metadata)
		return validate_failed(why, why_len, "total or metadata counter wrong");
	for (unsigned k = 0; k < BUDDY_ORDERS; k++)
		if (nfree[k] != b->nfree[k])
			return validate_failed(why, why_len, "per-order free counter wrong");
	return 0;
}

static int buddy_init_default(struct buddy *b, void *base, size_t size)
{
	return buddy_init(b, base, size, CONFIG_BUDDY_MIN_ORDER);
}

int buddy_free_block(struct buddy *b, void *ptr)
{
	size_t n = buddy_usable_size(b, ptr);

	return n ? buddy_free(b, ptr, n, 1) : -ENOTALLOC;
}

DEFINE_BYTE_ALLOCATOR_OPS(buddy, buddy_init_default);
