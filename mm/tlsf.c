// SPDX-License-Identifier: MIT
/*
 * TLSF byte allocator (Masmano, Ripoll, Crespo, Real, "TLSF: a New Dynamic
 * Memory Allocator for Real-Time Systems", ECRTS 2004): the allocation paths.
 * The block layout and the pointer checks are described in include/bora/tlsf.h,
 * the invariants and their validator in mm/tlsf_validate.c.
 *
 * The hot paths are written for their instruction count: the header check is a
 * mask and a compare against the heap's cookie; the statistics are three
 * counters (used block bytes, used and free block counts) from which
 * tlsf_stats() derives the rest; a list head is removed without re-mapping its
 * size; and a free block's previous neighbour is always used (coalescing is
 * immediate), so a block taken from a list never needs its PREV_FREE cleared.
 */
#include <bora/errno.h>
#include <bora/hash.h>
#include <bora/string.h>

#include "tlsf_block.h"

/*
 * gcc's straight-line vectorizer pairs adjacent link stores into vector moves,
 * which on x86-64 costs more instructions than the two stores; the allocation
 * paths are plain scalar code.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define TLSF_HOT __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define TLSF_HOT
#endif

/* ---- mapping ----------------------------------------------------------------- */

void tlsf_map_insert(size_t size, unsigned *fl, unsigned *sl)
{
	tlsf_map(size, fl, sl);
}

/*
 * The first list whose every block is at least `size` bytes (the paper's
 * mapping_search), as a flat index: the list after the one size - 1 maps to.
 * If size starts list k, size - 1 lies in list k - 1; if it lies inside list k,
 * so does size - 1, and list k + 1 is the first that is large enough. The index
 * may reach TLSF_FL_COUNT * SL_COUNT (past the last class).
 */
static inline size_t search_index(size_t size)
{
	return tlsf_index(size - 1) + 1;
}

void tlsf_map_search(size_t size, unsigned *fl, unsigned *sl)
{
	size_t i = search_index(size);

	*fl = (unsigned)(i >> TLSF_SL_LOG2);
	*sl = (unsigned)(i & (TLSF_SL_COUNT - 1));
}

static inline size_t request_block_size(size_t size)
{
	size_t need = (size + HDR + TLSF_ALIGN - 1) & ~(TLSF_ALIGN - 1);

	return need < TLSF_MIN_BLOCK ? TLSF_MIN_BLOCK : need;
}

size_t tlsf_request_block_size(size_t size)
{
	return size > TLSF_ALLOC_MAX ? 0 : request_block_size(size);
}

/* ---- free lists --------------------------------------------------------------- */

/*
 * Free lists are doubly linked through the free blocks: h + 8 holds the next
 * block, h + 16 the address of the word that points at h (the previous block's
 * next field, or the list head in struct tlsf). Unlinking is then two stores
 * with no need to know which list h is on; only emptying a list touches the
 * bitmaps, and the head's address says which list that is.
 */
static inline void list_insert_at(struct tlsf *t, uintptr_t h, size_t i)
{
	uintptr_t *slot = &t->heads[i], head = *slot;

	*tlsf_word(h + 8) = head;
	*tlsf_word(h + 16) = (uintptr_t)slot;
	*slot = h;
	if (head) {
		*tlsf_word(head + 16) = h + 8;
	} else {
		t->sl_bitmap[i >> TLSF_SL_LOG2] |= 1u << (i & (TLSF_SL_COUNT - 1));
		t->fl_bitmap |= (uint64_t)1 << (i >> TLSF_SL_LOG2);
	}
}

static inline void list_insert(struct tlsf *t, uintptr_t h, size_t size)
{
	list_insert_at(t, h, tlsf_index(size));
}

/* List i just became empty. */
static inline void list_emptied(struct tlsf *t, size_t i)
{
	size_t fl = i >> TLSF_SL_LOG2;

	t->sl_bitmap[fl] &= ~(1u << (i & (TLSF_SL_COUNT - 1)));
	if (!t->sl_bitmap[fl])
		t->fl_bitmap &= ~((uint64_t)1 << fl);
}

static inline void list_remove(struct tlsf *t, uintptr_t h)
{
	uintptr_t next = tlsf_next_free(h), pprev = tlsf_prev_free(h);

	*tlsf_word(pprev) = next;
	if (next) {
		*tlsf_word(next + 16) = pprev;
	} else {
		size_t i = (pprev - (uintptr_t)t->heads) / sizeof(uintptr_t);

		if (i < ARRAY_SIZE(t->heads))
			list_emptied(t, i);
	}
}

/* The free block nw takes listed block old's place in its list (links copied, no bitmap). */
static inline void list_replace(uintptr_t old, uintptr_t nw)
{
	uintptr_t next = tlsf_next_free(old), pprev = tlsf_prev_free(old);

	*tlsf_word(nw + 8) = next;
	*tlsf_word(nw + 16) = pprev;
	*tlsf_word(pprev) = nw;
	if (next)
		*tlsf_word(next + 16) = nw + 8;
}

/* Take the head of list i, which is not empty. */
static inline uintptr_t list_pop(struct tlsf *t, size_t i)
{
	uintptr_t h = t->heads[i], next;

	if (!h)
		__builtin_unreachable(); /* the bitmaps said the list is not empty */
	next = tlsf_next_free(h);
	t->heads[i] = next;
	if (next)
		*tlsf_word(next + 16) = (uintptr_t)&t->heads[i];
	else
		list_emptied(t, i);
	return h;
}

/*
 * The non-empty list at or after index i (good fit), or -1. i may be
 * TLSF_FL_COUNT * SL_COUNT: sl_bitmap has a zero entry for that class.
 */
static inline long find_list(const struct tlsf *t, size_t i)
{
	size_t fl = i >> TLSF_SL_LOG2;
	uint32_t sl_map = t->sl_bitmap[fl] & (~(uint32_t)0 << (i & (TLSF_SL_COUNT - 1)));

	if (__builtin_expect(!sl_map, 0)) {
		uint64_t fl_map = t->fl_bitmap & (~(uint64_t)0 << (fl + 1));

		if (!fl_map)
			return -1;
		fl = ctz64(fl_map);
		sl_map = t->sl_bitmap[fl];
	}
	return (long)((fl << TLSF_SL_LOG2) + ctz64(sl_map));
}

/*
 * The good-fit search found nothing: the head of the size's own list may still
 * be large enough (this makes the largest free block reachable, which stats'
 * largest_free relies on). Unlinked, or 0.
 */
static __attribute__((noinline, cold)) uintptr_t take_exact(struct tlsf *t, size_t size)
{
	size_t i = tlsf_index(size);
	uintptr_t h;

	if (i >= ARRAY_SIZE(t->heads))
		return 0;
	h = t->heads[i];
	if (!h || tlsf_hsize(tlsf_hdr(h)) < size)
		return 0;
	list_remove(t, h);
	return h;
}

/* A free block of at least `size` bytes, unlinked, or 0. */
static uintptr_t take_block(struct tlsf *t, size_t size)
{
	long i = find_list(t, search_index(size));

	return i < 0 ? take_exact(t, size) : list_pop(t, (size_t)i);
}

/* ---- block operations --------------------------------------------------------- */

/* Make [h, h + size) a free block whose previous neighbour is used, and list it. */
static inline void make_free(struct tlsf *t, uintptr_t h, size_t size)
{
	*tlsf_word(h) = size | HDR_FREE | t->cookie;
	*tlsf_word(h + size - 8) = h;
	list_insert(t, h, size);
}

/*
 * h (header word not yet rewritten) is a used block of `size` bytes; keep `keep`
 * bytes and free the tail if it can stand as a block. `next_prev_free` says
 * whether the next block's PREV_FREE is set now (h was carved from a free
 * block) or clear (h was used and its next neighbour is used). Returns the size
 * h keeps.
 */
static inline size_t split_tail(struct tlsf *t, uintptr_t h, size_t size, size_t keep,
                                bool next_prev_free)
{
	uintptr_t n = h + size;

	if (size - keep < TLSF_MIN_BLOCK) {
		if (next_prev_free)
			*tlsf_word(n) &= ~HDR_PREV_FREE;
		return size;
	}
	make_free(t, h + keep, size - keep);
	if (!next_prev_free)
		*tlsf_word(n) |= HDR_PREV_FREE;
	t->nfree++;
	t->nblocks++;
	return keep;
}

/*
 * ptr failed the one-region span test: with several regions, the sentinel of
 * the one it lies in, or 0 (between two regions may lie memory that is not ours
 * to read, so a block's size must keep it inside its own region).
 */
static __attribute__((noinline, cold)) uintptr_t region_end_of(const struct tlsf *t, uintptr_t p)
{
	if (p & (TLSF_ALIGN - 1))
		return 0;
	for (unsigned i = 0; t->nregions > 1 && i < t->nregions; i++)
		if (p - t->regions[i].first - HDR < t->regions[i].end - t->regions[i].first - HDR)
			return t->regions[i].end;
	return 0;
}

/* The one-region span test, alignment included (see used_block). */
static inline bool in_span(const struct tlsf *t, uintptr_t p)
{
	uintptr_t d = p - t->lo;

	/*
	 * Rotated right by 3, an offset off the 8-byte grid has high bits set, so
	 * one compare checks both. span_g is 0 with several regions: every pointer
	 * then fails here and takes the region loop.
	 */
	return (d >> TLSF_ALIGN_LOG2 | d << (64 - TLSF_ALIGN_LOG2)) < t->span_g;
}

/*
 * Past the span test: h's header w carries the cookie with FREE clear, its size
 * keeps the block before `end` (the sentinel of h's region), and the next
 * header carries the cookie with PREV_FREE clear.
 */
static inline __attribute__((always_inline)) bool used_header(const struct tlsf *t, uintptr_t h,
                                                              uint64_t w, uintptr_t end)
{
	size_t size;

	if ((w & (HDR_COOKIE_MASK | HDR_FREE)) != t->cookie)
		return false;
	size = tlsf_hsize(w);
	if (size - 1 >= end - h)
		return false;
	if ((tlsf_hdr(h + size) & (HDR_COOKIE_MASK | HDR_PREV_FREE)) != t->cookie)
		return false;
#ifdef CONFIG_ALLOC_DEBUG
	if (!tlsf_debug_is_block(t, h))
		return false;
#endif
	return true;
}

/*
 * The used block whose payload is ptr, into *hp; false if there is none (see
 * tlsf.h, "Bad pointers"): 8-aligned, in a region, and a header that passes
 * used_header().
 */
static inline __attribute__((always_inline)) bool used_block(const struct tlsf *t, const void *ptr,
                                                             uintptr_t *hp)
{
	uintptr_t p = (uintptr_t)ptr, h = p - HDR, end = t->hi;

	if (__builtin_expect(!in_span(t, p), 0) && !(end = region_end_of(t, p)))
		return false;
	if (!used_header(t, h, tlsf_hdr(h), end))
		return false;
	*hp = h;
	return true;
}

/* ---- public interface ---------------------------------------------------------- */

int tlsf_init(struct tlsf *t, void *base, size_t size)
{
	uint64_t c;

	if (!t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	/* A non-zero cookie, so a zeroed word is never a header. */
	c = mix64((uint64_t)(uintptr_t)t ^ 0x544c5346a110c8edULL) & HDR_COOKIE_MASK;
	t->cookie = c ? c : HDR_COOKIE_MASK;
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
	first = ALIGN_UP(b, TLSF_ALIGN);
	end = ALIGN_DOWN(b + size - HDR, TLSF_ALIGN);
	if (end <= first || end - first < TLSF_MIN_BLOCK)
		return -EINVAL;
	bsize = MIN(end - first, TLSF_BLOCK_MAX);
	end = first + bsize;

	r = &t->regions[t->nregions++];
	r->base = b;
	r->size = size;
	r->first = first;
	r->end = end;
	if (t->nregions == 1 || first + HDR < t->lo)
		t->lo = first + HDR;
	if (t->nregions == 1 || end > t->hi)
		t->hi = end;
	t->span_g = t->nregions == 1 ? (t->hi - t->lo) >> TLSF_ALIGN_LOG2 : 0;
	t->total += size;
	t->block_bytes += bsize;

	*tlsf_word(end) = t->cookie; /* sentinel: used, size 0 */
	make_free(t, first, bsize);
	*tlsf_word(end) |= HDR_PREV_FREE;
	t->nfree++;
	t->nblocks++;
	return 0;
}

/* align > TLSF_ALIGN: carve a block whose payload is aligned, the gap in front freed. */
static __attribute__((noinline)) int alloc_aligned(struct tlsf *t, size_t size, size_t align,
                                                   void **out)
{
	uintptr_t h, p0, p, h2;
	size_t need, bsize, gap;

	if (!is_power_of_2(align) || align > TLSF_BLOCK_MAX)
		return -EINVAL;
	if (size - 1 >= TLSF_ALLOC_MAX)
		return -EINVAL;
	need = request_block_size(size);
	if (need + align + TLSF_MIN_BLOCK > TLSF_BLOCK_MAX)
		return -ENOMEM;
	h = take_block(t, need + align + TLSF_MIN_BLOCK);
	if (!h)
		return -ENOMEM;
	bsize = tlsf_hsize(tlsf_hdr(h));
	t->nfree--;
	p0 = h + HDR;
	p = ALIGN_UP(p0, align);
	if (p != p0 && p - p0 < TLSF_MIN_BLOCK)
		p = ALIGN_UP(p0 + TLSF_MIN_BLOCK, align);
	if (p != p0) {
		h2 = p - HDR;
		gap = h2 - h;
		/* The gap's previous neighbour is used (h was free), so no merge. */
		make_free(t, h, gap);
		t->nfree++;
		t->nblocks++;
		bsize -= gap;
		h = h2;
	}
	bsize = split_tail(t, h, bsize, need, true);
	*tlsf_word(h) = bsize | t->cookie | (p != p0 ? HDR_PREV_FREE : 0);
	t->used_bytes += bsize;
	*out = (void *)(h + HDR);
	return 0;
}

/* The good-fit search found no list: try the exact list's head (see take_exact). */
static __attribute__((noinline, cold)) int alloc_exact(struct tlsf *t, size_t need, void **out)
{
	uintptr_t h = take_exact(t, need);
	size_t bsize;

	if (!h)
		return -ENOMEM;
	bsize = split_tail(t, h, tlsf_hsize(tlsf_hdr(h)), need, true);
	t->nfree--;
	*tlsf_word(h) = bsize | t->cookie;
	t->used_bytes += bsize;
	*out = (void *)(h + HDR);
	return 0;
}

TLSF_HOT int tlsf_alloc(struct tlsf *t, size_t size, size_t align, void **out)
{
	size_t need, bsize, rest, ri;
	uintptr_t h, next;
	long i;

	if (__builtin_expect(align - 1 >= TLSF_ALIGN || (align & (align - 1)), 0))
		return alloc_aligned(t, size, align, out);
	if (__builtin_expect(size - 1 >= TLSF_ALLOC_MAX, 0))
		return -EINVAL;
	need = request_block_size(size);
	i = find_list(t, search_index(need));
	if (__builtin_expect(i < 0, 0))
		return alloc_exact(t, need, out);
	h = t->heads[i];
	if (!h)
		__builtin_unreachable(); /* the bitmaps said the list is not empty */
	next = tlsf_next_free(h);
	bsize = tlsf_hsize(tlsf_hdr(h));
	rest = bsize - need;
	/* h was free, so its previous neighbour is used: its PREV_FREE stays clear. */
	if (rest >= TLSF_MIN_BLOCK) {
		uintptr_t r = h + need;

		*tlsf_word(r) = rest | HDR_FREE | t->cookie;
		*tlsf_word(r + rest - 8) = r;
		ri = tlsf_surely_same_list(rest, bsize) ? (size_t)i : tlsf_index(rest);
		if (ri == (size_t)i) {
			/* The remainder belongs to h's own list: it takes h's place. */
			*tlsf_word(r + 8) = next;
			*tlsf_word(r + 16) = (uintptr_t)&t->heads[i];
			t->heads[i] = r;
			if (next)
				*tlsf_word(next + 16) = r + 8;
		} else {
			list_pop(t, (size_t)i);
			list_insert_at(t, r, ri);
		}
		t->nblocks++;
		bsize = need;
	} else {
		list_pop(t, (size_t)i);
		*tlsf_word(h + bsize) &= ~HDR_PREV_FREE;
		t->nfree--;
	}
	*tlsf_word(h) = bsize | t->cookie;
	t->used_bytes += bsize;
	*out = (void *)(h + HDR);
	return 0;
}

/*
 * Free the used block at payload p (header w at h = p - 8, bsize bytes), which free() has
 * checked. Each of the four
 * cases (no free neighbour, the next free, the previous free, both) writes
 * only what it must: a merged block that stays on its free neighbour's list
 * takes that neighbour's place there (links reused, no bitmap touched), and
 * every header that stops being a block's is cleared so a second free of it
 * finds nothing.
 */
static __attribute__((noinline)) TLSF_HOT int free_checked(struct tlsf *t, uintptr_t p, uint64_t w,
                                                           size_t bsize)
{
	uintptr_t h = p - HDR; /* p, not h, comes in: the caller then passes its own argument on */
	size_t nsize, psize, merged;
	uintptr_t n = h + bsize, pv;
	uint64_t wn = tlsf_hdr(n);

	t->used_bytes -= bsize;
	if (!(w & HDR_PREV_FREE)) {
		if (!(wn & HDR_FREE)) {
			*tlsf_word(n) = wn | HDR_PREV_FREE;
			t->nfree++;
			make_free(t, h, bsize);
			return 0;
		}
		nsize = tlsf_hsize(wn);
		merged = bsize + nsize;
		t->nblocks--;
		*tlsf_word(h) = merged | HDR_FREE | t->cookie;
		*tlsf_word(h + merged - 8) = h;
		*tlsf_word(n) = 0;
		if (!tlsf_same_list(nsize, merged)) {
			list_remove(t, n);
			list_insert(t, h, merged);
			return 0;
		}
		list_replace(n, h);
		return 0;
	}
	pv = *tlsf_word(h - 8);
	psize = tlsf_hsize(tlsf_hdr(pv));
	merged = psize + bsize;
	*tlsf_word(h) = 0;
	if (!(wn & HDR_FREE)) {
		t->nblocks--;
		*tlsf_word(n) = wn | HDR_PREV_FREE;
		*tlsf_word(pv) = merged | HDR_FREE | t->cookie;
		*tlsf_word(pv + merged - 8) = pv;
		if (!tlsf_same_list(psize, merged)) {
			list_remove(t, pv);
			list_insert(t, pv, merged);
		}
		return 0;
	}
	/*
	 * Both neighbours free. Lists are ordered by size, so if either part is on
	 * the merged block's list the larger one is: the merged block takes that
	 * one's place (a small block freed between a small and a large free block,
	 * the paper's worst case, then touches no bitmap to insert).
	 */
	nsize = tlsf_hsize(wn);
	merged += nsize;
	*tlsf_word(n) = 0;
	t->nfree--;
	t->nblocks -= 2;
	*tlsf_word(pv) = merged | HDR_FREE | t->cookie;
	*tlsf_word(pv + merged - 8) = pv;
	if (tlsf_same_list(psize > nsize ? psize : nsize, merged)) {
		if (psize > nsize) {
			list_remove(t, n);
		} else {
			list_remove(t, pv); /* first: it may be n's list neighbour */
			list_replace(n, pv);
		}
		return 0;
	}
	list_remove(t, pv);
	list_remove(t, n);
	list_insert(t, pv, merged);
	return 0;
}

/* tlsf_free past the pointer checks: the size and, with CONFIG_ALLOC_DEBUG, the footer. */
static inline __attribute__((always_inline)) int free_used(struct tlsf *t, uintptr_t h, uint64_t w,
                                                           size_t size)
{
	if (__builtin_expect(size > tlsf_hsize(w) - HDR, 0))
		return -EINVAL;
#ifdef CONFIG_ALLOC_DEBUG
	/* The footer must name a free block that ends right here. */
	if (w & HDR_PREV_FREE) {
		uintptr_t pv = *tlsf_word(h - 8);

		if ((pv & (TLSF_ALIGN - 1)) || !tlsf_debug_is_block(t, pv) ||
		    (tlsf_hdr(pv) & (HDR_COOKIE_MASK | HDR_FLAGS)) != (t->cookie | HDR_FREE) ||
		    pv + tlsf_hsize(tlsf_hdr(pv)) != h)
			return -ENOTALLOC;
	}
#endif
	return free_checked(t, h + HDR, w, tlsf_hsize(w));
}

/* A pointer outside the one-region span: several regions, or no block at all. */
static __attribute__((noinline, cold)) int free_elsewhere(struct tlsf *t, void *ptr, size_t size)
{
	uintptr_t h;

	if (!used_block(t, ptr, &h))
		return -ENOTALLOC;
	return free_used(t, h, tlsf_hdr(h), size);
}

/*
 * Calls nothing but in tail position (free_elsewhere, free_checked), so the
 * checks run without a stack frame.
 */
TLSF_HOT int tlsf_free(struct tlsf *t, void *ptr, size_t size, size_t align)
{
	uintptr_t h = (uintptr_t)ptr - HDR;
	uint64_t w;

	(void)align;
	if (__builtin_expect(!in_span(t, (uintptr_t)ptr), 0))
		return free_elsewhere(t, ptr, size);
	w = tlsf_hdr(h);
	if (__builtin_expect(!used_header(t, h, w, t->hi), 0))
		return -ENOTALLOC;
	return free_used(t, h, w, size);
}

int tlsf_resize_in_place(struct tlsf *t, void *ptr, size_t old_size, size_t new_size, size_t align)
{
	uintptr_t h, n;
	size_t bsize, need, nsize;
	uint64_t w, wn;
	bool grew;

	(void)align;
	if (!t || !new_size)
		return -EINVAL;
	if (!used_block(t, ptr, &h))
		return -ENOTALLOC;
	w = tlsf_hdr(h);
	bsize = tlsf_hsize(w);
	if (old_size > bsize - HDR || new_size > TLSF_ALLOC_MAX)
		return -EINVAL;
	need = request_block_size(new_size);
	n = h + bsize;
	wn = tlsf_hdr(n);
	grew = need > bsize;
	if (grew) {
		nsize = tlsf_hsize(wn);
		if (!(wn & HDR_FREE) || bsize + nsize < need)
			return -ENOMEM;
		list_remove(t, n);
		t->nfree--;
		t->nblocks--;
		t->used_bytes += nsize;
		bsize += nsize;
	} else if ((wn & HDR_FREE) && bsize > need) {
		/* The freed tail joins the free block behind it. */
		nsize = tlsf_hsize(wn);
		list_remove(t, n);
		t->used_bytes -= bsize - need;
		make_free(t, h + need, bsize - need + nsize);
		*tlsf_word(h) = need | t->cookie | (w & HDR_PREV_FREE);
		return 0;
	}
	need = split_tail(t, h, bsize, need, grew);
	t->used_bytes -= bsize - need;
	*tlsf_word(h) = need | t->cookie | (w & HDR_PREV_FREE);
	return 0;
}

void tlsf_stats(const struct tlsf *t, struct byte_alloc_stats *st)
{
	st->total = t->total;
	st->used = t->used_bytes - (t->nblocks - t->nfree) * HDR;
	st->available = t->block_bytes - t->used_bytes - t->nfree * HDR;
	st->metadata = t->total - st->used - st->available;
	st->largest_free = 0;
	if (t->fl_bitmap) {
		unsigned fl = fls64_nonzero(t->fl_bitmap);
		unsigned sl = fls64_nonzero(t->sl_bitmap[fl]);
		uintptr_t h = t->heads[(fl << TLSF_SL_LOG2) + sl];

		/*
		 * alloc() reaches the head of the highest list through the exact-list
		 * fallback, so its size is what one alloc(size, 1) can be sure to get.
		 */
		if (h)
			st->largest_free = tlsf_hsize(tlsf_hdr(h)) - HDR;
	}
}

size_t tlsf_usable_size(const struct tlsf *t, const void *ptr)
{
	uintptr_t h;

	return used_block(t, ptr, &h) ? tlsf_hsize(tlsf_hdr(h)) - HDR : 0;
}

/* tlsf_free takes size 0 as "unknown": the header holds the size. */
int tlsf_free_block(struct tlsf *t, void *ptr)
{
	return tlsf_free(t, ptr, 0, 1);
}

DEFINE_BYTE_ALLOCATOR_OPS(tlsf, tlsf_init);
