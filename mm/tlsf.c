// SPDX-License-Identifier: MIT
/*
 * TLSF byte allocator (Masmano, Ripoll, Crespo, Real, ECRTS 2004); the block
 * layout and invariants are described in include/bora/tlsf.h.
 *
 * Invariants the validator checks:
 *  - every region's blocks tile [first, end) exactly, end holds a used sentinel;
 *  - every header carries the right tag, a size that is a multiple of 16 and
 *    >= TLSF_MIN_BLOCK, and PREV_FREE equal to the previous block's FREE bit;
 *  - no two physically adjacent blocks are free; a free block's footer points
 *    at its header;
 *  - a block is in free list (fl, sl) iff it is free and its size maps there;
 *    bitmap bits are set iff the lists are non-empty;
 *  - the counters equal what a walk finds.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/string.h>
#include <bora/tlsf.h>
#include <bora/hash.h>

#define HDR_FREE      ((uint64_t)1)
#define HDR_PREV_FREE ((uint64_t)2)
#define HDR_FLAGS     (HDR_FREE | HDR_PREV_FREE)
#define HDR_SIZE_MASK ((((uint64_t)1 << TLSF_BLOCK_LOG2) - 1) & ~(uint64_t)(TLSF_ALIGN - 1))
#define HDR_TAG_SHIFT TLSF_BLOCK_LOG2
#define HDR_TAG_MASK  (~(((uint64_t)1 << HDR_TAG_SHIFT) - 1))

#define HDR TLSF_BLOCK_OVERHEAD

_Static_assert(TLSF_FL_COUNT <= 64, "fl bitmap is 64 bits");
_Static_assert(TLSF_SL_COUNT <= 32, "sl bitmaps are 32 bits");
_Static_assert(sizeof(uintptr_t) == 8, "TLSF's block layout assumes 64-bit pointers");

/* ---- raw block access ------------------------------------------------------ */

static inline uint64_t *word(uintptr_t a)
{
	return (uint64_t *)a;
}

static inline uint64_t hdr(uintptr_t h)
{
	return *word(h);
}

static inline size_t hsize(uint64_t w)
{
	return (size_t)(w & HDR_SIZE_MASK);
}

static inline uint64_t tag_of(const struct tlsf *t, uintptr_t h, size_t size)
{
	uint64_t x = ((uint64_t)h * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)size << 17) ^ t->secret;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x & HDR_TAG_MASK;
}

static inline bool tag_ok(const struct tlsf *t, uintptr_t h, uint64_t w)
{
	return (w & HDR_TAG_MASK) == tag_of(t, h, hsize(w));
}

static inline void set_hdr(const struct tlsf *t, uintptr_t h, size_t size, uint64_t flags)
{
	*word(h) = (uint64_t)size | flags | tag_of(t, h, size);
}

/* A header absorbed by coalescing: make sure it never checks out again. */
static inline void scrub_hdr(const struct tlsf *t, uintptr_t h)
{
	*word(h) = ~tag_of(t, h, 0) & HDR_TAG_MASK;
}

static inline void set_flag(uintptr_t h, uint64_t flag, bool on)
{
	if (on)
		*word(h) |= flag;
	else
		*word(h) &= ~flag;
}

static inline uintptr_t link_next(uintptr_t h)
{
	return (uintptr_t)*word(h + 8);
}

static inline uintptr_t link_prev(uintptr_t h)
{
	return (uintptr_t)*word(h + 16);
}

static inline void set_next(uintptr_t h, uintptr_t v)
{
	*word(h + 8) = v;
}

static inline void set_prev(uintptr_t h, uintptr_t v)
{
	*word(h + 16) = v;
}

static inline void set_footer(uintptr_t h, size_t size)
{
	*word(h + size - 8) = h;
}

/* ---- mapping ----------------------------------------------------------------- */

void tlsf_map_insert(size_t size, unsigned *fl, unsigned *sl)
{
	if (size < TLSF_SMALL_BLOCK) {
		*fl = 0;
		*sl = (unsigned)(size >> TLSF_ALIGN_LOG2);
	} else {
		int f = fls64(size);

		*sl = (unsigned)(size >> (f - TLSF_SL_LOG2)) ^ TLSF_SL_COUNT;
		*fl = (unsigned)(f - TLSF_FL_SHIFT + 1);
	}
}

void tlsf_map_search(size_t size, unsigned *fl, unsigned *sl)
{
	/* Round up to the next list boundary so any block found is large enough. */
	if (size >= TLSF_SMALL_BLOCK)
		size += ((size_t)1 << (fls64(size) - TLSF_SL_LOG2)) - 1;
	tlsf_map_insert(size, fl, sl);
}

size_t tlsf_request_block_size(size_t size)
{
	if (size > TLSF_ALLOC_MAX)
		return 0;
	return MAX(ALIGN_UP(size + HDR, TLSF_ALIGN), TLSF_MIN_BLOCK);
}

/* ---- free lists --------------------------------------------------------------- */

static void list_insert(struct tlsf *t, uintptr_t h, size_t size)
{
	unsigned fl, sl;
	uintptr_t head;

	tlsf_map_insert(size, &fl, &sl);
	head = t->heads[fl][sl];
	set_next(h, head);
	set_prev(h, 0);
	if (head)
		set_prev(head, h);
	t->heads[fl][sl] = h;
	t->sl_bitmap[fl] |= 1u << sl;
	t->fl_bitmap |= (uint64_t)1 << fl;
	t->free_bytes += size - HDR;
	t->nfree++;
}

static void list_remove(struct tlsf *t, uintptr_t h, size_t size)
{
	uintptr_t next = link_next(h), prev = link_prev(h);
	unsigned fl, sl;

	tlsf_map_insert(size, &fl, &sl);
	if (next)
		set_prev(next, prev);
	if (prev) {
		set_next(prev, next);
	} else {
		t->heads[fl][sl] = next;
		if (!next) {
			t->sl_bitmap[fl] &= ~(1u << sl);
			if (!t->sl_bitmap[fl])
				t->fl_bitmap &= ~((uint64_t)1 << fl);
		}
	}
	t->free_bytes -= size - HDR;
	t->nfree--;
}

/* Head of the first non-empty list at or after (fl, sl), or 0. */
static uintptr_t find_from(const struct tlsf *t, unsigned fl, unsigned sl)
{
	uint32_t sl_map;
	uint64_t fl_map;

	if (fl >= TLSF_FL_COUNT)
		return 0;
	sl_map = t->sl_bitmap[fl] & (~(uint32_t)0 << sl);
	if (!sl_map) {
		fl_map = t->fl_bitmap & (~(uint64_t)0 << (fl + 1));
		if (!fl_map)
			return 0;
		fl = (unsigned)ffs64(fl_map);
		sl_map = t->sl_bitmap[fl];
	}
	return t->heads[fl][ffs64(sl_map)];
}

/*
 * A free block of at least `size` bytes: good fit from the rounded-up list, else
 * the head of the size's own list if it happens to be large enough (this makes
 * the largest free block reachable, which stats' largest_free relies on).
 */
static uintptr_t find_block(const struct tlsf *t, size_t size)
{
	unsigned fl, sl;
	uintptr_t h;

	tlsf_map_search(size, &fl, &sl);
	h = find_from(t, fl, sl);
	if (h)
		return h;
	tlsf_map_insert(size, &fl, &sl);
	if (fl >= TLSF_FL_COUNT)
		return 0;
	h = t->heads[fl][sl];
	if (h && hsize(hdr(h)) >= size)
		return h;
	return 0;
}

/* ---- block operations --------------------------------------------------------- */

/* Make h a free block of `size` (PREV_FREE = prev_free), tell the next block, list it. */
static void make_free(struct tlsf *t, uintptr_t h, size_t size, bool prev_free)
{
	set_hdr(t, h, size, HDR_FREE | (prev_free ? HDR_PREV_FREE : 0));
	set_footer(h, size);
	set_flag(h + size, HDR_PREV_FREE, true);
	list_insert(t, h, size);
}

/*
 * h is a used block of `size`; keep `keep` bytes and free the tail if it can be a
 * block, merging it with a free next neighbour. Returns the size h ends up with.
 */
static size_t trim_used(struct tlsf *t, uintptr_t h, size_t size, size_t keep)
{
	uintptr_t r, n;
	size_t rsize;
	uint64_t w;

	if (size - keep < TLSF_MIN_BLOCK)
		return size;
	r = h + keep;
	rsize = size - keep;
	n = h + size;
	w = hdr(n);
	if (w & HDR_FREE) {
		list_remove(t, n, hsize(w));
		rsize += hsize(w);
		scrub_hdr(t, n);
	}
	set_hdr(t, h, keep, hdr(h) & HDR_FLAGS);
	make_free(t, r, rsize, false);
	return keep;
}

static void mark_used(struct tlsf *t, uintptr_t h, size_t size)
{
	set_hdr(t, h, size, hdr(h) & HDR_PREV_FREE);
	set_flag(h + size, HDR_PREV_FREE, false);
	t->used += size - HDR;
	t->nused++;
}

/* The region holding payload address p, or NULL. */
static const struct tlsf_region *region_of(const struct tlsf *t, uintptr_t p)
{
	unsigned i;

	if (p < t->lo || p >= t->hi)
		return NULL;
	for (i = 0; i < t->nregions && i < TLSF_MAX_REGIONS; i++) {
		const struct tlsf_region *r = &t->regions[i];

		if (p > r->first && p < r->end)
			return r;
	}
	return NULL;
}

/*
 * O(1) checks that ptr is the payload of a used block: inside a region, aligned,
 * header tag and size sane, not free, next header consistent, and if PREV_FREE
 * the previous block's footer and header agree. Returns the header or 0.
 */
static uintptr_t used_block(const struct tlsf *t, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr, h, n;
	const struct tlsf_region *r;
	uint64_t w, wn;
	size_t size;

	if (!p || (p & (TLSF_ALIGN - 1)))
		return 0;
	r = region_of(t, p);
	if (!r)
		return 0;
	h = p - HDR;
	w = hdr(h);
	if (!tag_ok(t, h, w) || (w & HDR_FREE))
		return 0;
	size = hsize(w);
	if (size < TLSF_MIN_BLOCK || size > r->end - h)
		return 0;
	n = h + size;
	wn = hdr(n);
	if (!tag_ok(t, n, wn) || (wn & HDR_PREV_FREE))
		return 0;
	if (w & HDR_PREV_FREE) {
		uintptr_t pv;
		uint64_t wp;

		if (h == r->first)
			return 0;
		pv = (uintptr_t)*word(h - 8);
		if (pv < r->first || pv >= h || ((pv + HDR) & (TLSF_ALIGN - 1)))
			return 0;
		wp = hdr(pv);
		if (!tag_ok(t, pv, wp) || !(wp & HDR_FREE) || pv + hsize(wp) != h)
			return 0;
	}
	return h;
}

/* ---- public interface ---------------------------------------------------------- */

int tlsf_init(struct tlsf *t, void *base, size_t size)
{
	if (!t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->secret = mix64((uint64_t)(uintptr_t)t ^ 0x544c5346a110c8edULL);
	return tlsf_add_region(t, base, size);
}

int tlsf_add_region(struct tlsf *t, void *base, size_t size)
{
	uintptr_t b = (uintptr_t)base, first, end;
	struct tlsf_region *r;
	size_t bsize;
	unsigned i;

	if (!t || !b || !size || b + size < b)
		return -EINVAL;
	for (i = 0; i < t->nregions; i++) {
		const struct tlsf_region *o = &t->regions[i];

		if (b < o->base + o->size && o->base < b + size)
			return -EOVERLAP;
	}
	if (t->nregions == TLSF_MAX_REGIONS)
		return -ENOMEM;
	if (size < TLSF_MIN_BLOCK + 3 * TLSF_ALIGN)
		return -EINVAL;
	/* Payloads are 16-aligned, so headers sit at 8 mod 16. */
	first = ALIGN_UP(b + HDR, TLSF_ALIGN) - HDR;
	end = ALIGN_DOWN(b + size - 2 * HDR, TLSF_ALIGN) + HDR;
	if (end <= first || end - first < TLSF_MIN_BLOCK)
		return -EINVAL;
	bsize = MIN(end - first, TLSF_BLOCK_MAX);
	end = first + bsize;

	r = &t->regions[t->nregions++];
	r->base = b;
	r->size = size;
	r->first = first;
	r->end = end;
	if (t->nregions == 1 || first < t->lo)
		t->lo = first;
	if (t->nregions == 1 || end > t->hi)
		t->hi = end;
	t->total += size;

	set_hdr(t, end, 0, 0); /* sentinel: used, size 0 */
	make_free(t, first, bsize, false);
	return 0;
}

int tlsf_alloc(struct tlsf *t, size_t size, size_t align, void **out)
{
	size_t need, bsize;
	uintptr_t h;

	if (!t || !out || !size || !is_power_of_2(align))
		return -EINVAL;
	if (size > TLSF_ALLOC_MAX || align > TLSF_BLOCK_MAX)
		return -EINVAL;
	need = tlsf_request_block_size(size);

	if (align <= TLSF_ALIGN) {
		h = find_block(t, need);
		if (!h)
			return -ENOMEM;
		bsize = hsize(hdr(h));
		list_remove(t, h, bsize);
	} else {
		uintptr_t p0, p, h2;
		size_t gap;

		/* Room for the block plus a leading gap that can stand as a free block. */
		h = find_block(t, need + align + TLSF_MIN_BLOCK);
		if (!h)
			return -ENOMEM;
		bsize = hsize(hdr(h));
		list_remove(t, h, bsize);
		p0 = h + HDR;
		p = ALIGN_UP(p0, align);
		if (p != p0 && p - p0 < TLSF_MIN_BLOCK)
			p = ALIGN_UP(p0 + TLSF_MIN_BLOCK, align);
		if (p != p0) {
			h2 = p - HDR;
			gap = h2 - h;
			/* The gap's previous neighbour is used (h was free), so no merge. */
			make_free(t, h, gap, (hdr(h) & HDR_PREV_FREE) != 0);
			bsize -= gap;
			set_hdr(t, h2, bsize, HDR_PREV_FREE);
			h = h2;
		}
	}
	mark_used(t, h, bsize);
	/* Splitting a block taken from a list: its next neighbour is used, no merge. */
	t->used -= bsize - trim_used(t, h, bsize, need);
	*out = (void *)(h + HDR);
	return 0;
}

int tlsf_free(struct tlsf *t, void *ptr, size_t size, size_t align)
{
	uintptr_t h, n;
	size_t bsize;
	uint64_t w, wn;
	bool prev_free;

	(void)align;
	if (!t)
		return -EINVAL;
	h = used_block(t, ptr);
	if (!h)
		return -ENOTALLOC;
	w = hdr(h);
	bsize = hsize(w);
	if (size > bsize - HDR)
		return -EINVAL;
	t->used -= bsize - HDR;
	t->nused--;

	prev_free = false;
	if (w & HDR_PREV_FREE) {
		uintptr_t pv = (uintptr_t)*word(h - 8);
		uint64_t wp = hdr(pv);

		list_remove(t, pv, hsize(wp));
		scrub_hdr(t, h);
		bsize += hsize(wp);
		prev_free = (wp & HDR_PREV_FREE) != 0; /* always false while invariants hold */
		h = pv;
	}
	n = h + bsize;
	wn = hdr(n);
	if (wn & HDR_FREE) {
		list_remove(t, n, hsize(wn));
		scrub_hdr(t, n);
		bsize += hsize(wn);
	}
	make_free(t, h, bsize, prev_free);
	return 0;
}

int tlsf_resize_in_place(struct tlsf *t, void *ptr, size_t old_size, size_t new_size, size_t align)
{
	uintptr_t h, n;
	size_t bsize, need;
	uint64_t wn;

	(void)align;
	if (!t || !new_size)
		return -EINVAL;
	h = used_block(t, ptr);
	if (!h)
		return -ENOTALLOC;
	bsize = hsize(hdr(h));
	if (old_size > bsize - HDR)
		return -EINVAL;
	if (new_size > TLSF_ALLOC_MAX)
		return -EINVAL;
	need = tlsf_request_block_size(new_size);

	if (need <= bsize) {
		size_t kept = trim_used(t, h, bsize, need);

		t->used -= bsize - kept;
		return 0;
	}
	n = h + bsize;
	wn = hdr(n);
	if (!(wn & HDR_FREE) || bsize + hsize(wn) < need)
		return -ENOMEM;
	list_remove(t, n, hsize(wn));
	scrub_hdr(t, n);
	t->used += hsize(wn);
	bsize += hsize(wn);
	set_hdr(t, h, bsize, hdr(h) & HDR_FLAGS);
	set_flag(h + bsize, HDR_PREV_FREE, false);
	/* The absorbed block's next neighbour is used: the tail cannot merge further. */
	need = trim_used(t, h, bsize, need);
	t->used -= bsize - need;
	return 0;
}

void tlsf_stats(const struct tlsf *t, struct byte_alloc_stats *st)
{
	st->total = t->total;
	st->used = t->used;
	st->available = t->free_bytes;
	st->metadata = t->total - t->used - t->free_bytes;
	st->largest_free = 0;
	if (t->fl_bitmap) {
		unsigned fl = (unsigned)fls64(t->fl_bitmap);
		unsigned sl = (unsigned)fls64(t->sl_bitmap[fl]);
		uintptr_t h = t->heads[fl][sl];

		/*
		 * alloc() reaches the head of the highest list through the exact-list
		 * fallback, so its size is what one alloc(size, 1) can be sure to get.
		 */
		if (h)
			st->largest_free = hsize(hdr(h)) - HDR;
	}
}

size_t tlsf_usable_size(const struct tlsf *t, const void *ptr)
{
	uintptr_t h = used_block(t, ptr);

	return h ? hsize(hdr(h)) - HDR : 0;
}

/* ---- validation ------------------------------------------------------------------ */

static int corrupt(char *why, size_t len, const char *msg, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	int s;

	if (!why || !len)
		return -ECORRUPT;
	while (*msg && i + 1 < len)
		why[i++] = *msg++;
	if (i + 4 < len) {
		why[i++] = ' ';
		why[i++] = '0';
		why[i++] = 'x';
		for (s = 60; s > 0 && !((v >> s) & 0xf); s -= 4)
			;
		for (; s >= 0 && i + 1 < len; s -= 4)
			why[i++] = hex[(v >> s) & 0xf];
	}
	why[i] = '\0';
	return -ECORRUPT;
}

static const struct tlsf_region *region_of_block(const struct tlsf *t, uintptr_t h)
{
	unsigned i;

	for (i = 0; i < t->nregions; i++) {
		const struct tlsf_region *r = &t->regions[i];

		if (h >= r->first && h < r->end)
			return r;
	}
	return NULL;
}

int tlsf_validate(const struct tlsf *t, char *why, size_t why_len)
{
	size_t used = 0, freeb = 0, nfree = 0, nused = 0, total = 0, listed = 0;
	unsigned i, fl, sl;

	if (!t)
		return corrupt(why, why_len, "null state", 0);
	if (t->nregions == 0 || t->nregions > TLSF_MAX_REGIONS)
		return corrupt(why, why_len, "bad region count", t->nregions);

	for (i = 0; i < t->nregions; i++) {
		const struct tlsf_region *r = &t->regions[i];
		uintptr_t h = r->first;
		bool prev_free = false;
		unsigned j;

		total += r->size;
		if (r->first < r->base || r->end + HDR > r->base + r->size || r->first >= r->end ||
		    ((r->first + HDR) & (TLSF_ALIGN - 1)) ||
		    ((r->end - r->first) & (TLSF_ALIGN - 1)))
			return corrupt(why, why_len, "region bounds", r->base);
		if (r->first < t->lo || r->end > t->hi)
			return corrupt(why, why_len, "region outside lo/hi", r->base);
		for (j = 0; j < i; j++) {
			const struct tlsf_region *o = &t->regions[j];

			if (r->base < o->base + o->size && o->base < r->base + r->size)
				return corrupt(why, why_len, "regions overlap", r->base);
		}
		for (;;) {
			uint64_t w = hdr(h);
			size_t size = hsize(w);

			if (!tag_ok(t, h, w))
				return corrupt(why, why_len, "header tag", h);
			if (((w & HDR_PREV_FREE) != 0) != prev_free)
				return corrupt(why, why_len,
				               "PREV_FREE disagrees with previous block", h);
			if (h == r->end) {
				if (size != 0 || (w & HDR_FREE))
					return corrupt(why, why_len, "sentinel", h);
				break;
			}
			if (size < TLSF_MIN_BLOCK || size > r->end - h)
				return corrupt(why, why_len, "block size", h);
			if (w & HDR_FREE) {
				if (prev_free)
					return corrupt(why, why_len, "two adjacent free blocks", h);
				if (*word(h + size - 8) != h)
					return corrupt(why, why_len, "free block footer", h);
				freeb += size - HDR;
				nfree++;
			} else {
				used += size - HDR;
				nused++;
			}
			prev_free = (w & HDR_FREE) != 0;
			h += size;
		}
	}
	if (total != t->total)
		return corrupt(why, why_len, "total", t->total);
	if (used != t->used)
		return corrupt(why, why_len, "used counter", t->used);
	if (freeb != t->free_bytes)
		return corrupt(why, why_len, "free counter", t->free_bytes);
	if (nfree != t->nfree || nused != t->nused)
		return corrupt(why, why_len, "block counters", t->nfree);
	if (t->used + t->free_bytes > t->total)
		return corrupt(why, why_len, "used + free > total", t->used);

	if (t->fl_bitmap >> TLSF_FL_COUNT)
		return corrupt(why, why_len, "fl bitmap beyond the classes", t->fl_bitmap);
	for (fl = 0; fl < TLSF_FL_COUNT; fl++) {
		uint32_t slmap = t->sl_bitmap[fl];

		if (TLSF_SL_COUNT < 32 && (slmap >> (TLSF_SL_COUNT & 31)))
			return corrupt(why, why_len, "sl bitmap beyond the lists", fl);
		if (((t->fl_bitmap >> fl) & 1) != (slmap != 0))
			return corrupt(why, why_len, "fl bitmap disagrees with sl bitmap", fl);
		for (sl = 0; sl < TLSF_SL_COUNT; sl++) {
			uintptr_t h = t->heads[fl][sl], prev = 0;
			size_t steps = 0;

			if (((slmap >> sl) & 1) != (h != 0))
				return corrupt(why, why_len, "sl bitmap disagrees with list",
				               fl * TLSF_SL_COUNT + sl);
			for (; h; prev = h, h = link_next(h)) {
				const struct tlsf_region *r = region_of_block(t, h);
				unsigned f2, s2;
				uint64_t w;

				if (++steps > nfree)
					return corrupt(why, why_len,
					               "free list longer than free blocks",
					               fl * TLSF_SL_COUNT + sl);
				if (!r || ((h + HDR) & (TLSF_ALIGN - 1)))
					return corrupt(why, why_len,
					               "free list entry outside regions", h);
				w = hdr(h);
				if (!tag_ok(t, h, w) || !(w & HDR_FREE))
					return corrupt(why, why_len,
					               "free list entry not a free block", h);
				if (hsize(w) > r->end - h || link_prev(h) != prev)
					return corrupt(why, why_len, "free list links", h);
				tlsf_map_insert(hsize(w), &f2, &s2);
				if (f2 != fl || s2 != sl)
					return corrupt(why, why_len, "free block in the wrong list",
					               h);
				listed++;
			}
		}
	}
	if (listed != nfree)
		return corrupt(why, why_len, "free blocks missing from the lists", nfree - listed);
	return 0;
}

/* ---- ops table ------------------------------------------------------------------- */

DEFINE_BYTE_ALLOCATOR_OPS(tlsf, tlsf_init);
