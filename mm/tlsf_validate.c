// SPDX-License-Identifier: MIT
/*
 * TLSF validator and debug pointer walk (the allocator is mm/tlsf.c; Masmano,
 * Ripoll, Crespo, Real, ECRTS 2004).
 *
 * Invariants tlsf_validate() checks:
 *  - every region's blocks tile [first, end) exactly, end holds a used sentinel;
 *  - every header carries the heap's cookie, a size that is a multiple of 8 and
 *    >= TLSF_MIN_BLOCK, and PREV_FREE equal to the previous block's FREE bit;
 *  - no two physically adjacent blocks are free; a free block's footer points
 *    at its header;
 *  - a block is in free list (fl, sl) iff it is free and its size maps there;
 *    bitmap bits are set iff the lists are non-empty;
 *  - the counters equal what a walk finds.
 */
#include <bora/errno.h>

#include "tlsf_block.h"

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

static bool has_cookie(const struct tlsf *t, uint64_t w)
{
	return (w & HDR_COOKIE_MASK) == t->cookie;
}

static const struct tlsf_region *region_of_block(const struct tlsf *t, uintptr_t h)
{
	unsigned i;

	for (i = 0; i < t->nregions && i < TLSF_MAX_REGIONS; i++) {
		const struct tlsf_region *r = &t->regions[i];

		if (h >= r->first && h < r->end)
			return r;
	}
	return NULL;
}

/*
 * CONFIG_ALLOC_DEBUG: h is where a block starts, found by walking its region's
 * blocks from the first (O(blocks)). Stops at anything that is not a header.
 */
bool tlsf_debug_is_block(const struct tlsf *t, uintptr_t h)
{
	const struct tlsf_region *r = region_of_block(t, h);
	uintptr_t b;

	if (!r)
		return false;
	for (b = r->first; b < h;) {
		uint64_t w = tlsf_hdr(b);
		size_t size = tlsf_hsize(w);

		if (!has_cookie(t, w) || size < TLSF_MIN_BLOCK || size > r->end - b)
			return false;
		b += size;
	}
	return b == h;
}

static int check_region(const struct tlsf *t, const struct tlsf_region *r, size_t *used,
                        size_t *nused, size_t *nfree, char *why, size_t why_len)
{
	uintptr_t h = r->first;
	bool prev_free = false;

	for (;;) {
		uint64_t w = tlsf_hdr(h);
		size_t size = tlsf_hsize(w);

		if (!has_cookie(t, w))
			return corrupt(why, why_len, "header cookie", h);
		if (((w & HDR_PREV_FREE) != 0) != prev_free)
			return corrupt(why, why_len, "PREV_FREE disagrees with previous block", h);
		if (h == r->end) {
			if (size != 0 || (w & HDR_FREE))
				return corrupt(why, why_len, "sentinel", h);
			return 0;
		}
		if (size < TLSF_MIN_BLOCK || size > r->end - h)
			return corrupt(why, why_len, "block size", h);
		if (w & HDR_FREE) {
			if (prev_free)
				return corrupt(why, why_len, "two adjacent free blocks", h);
			if (*tlsf_word(h + size - 8) != h)
				return corrupt(why, why_len, "free block footer", h);
			(*nfree)++;
		} else {
			*used += size;
			(*nused)++;
		}
		prev_free = (w & HDR_FREE) != 0;
		h += size;
	}
}

static int check_lists(const struct tlsf *t, size_t nfree, char *why, size_t why_len)
{
	size_t listed = 0;
	unsigned fl, sl;

	if (t->fl_bitmap >> TLSF_FL_COUNT || t->sl_bitmap[TLSF_FL_COUNT])
		return corrupt(why, why_len, "fl bitmap beyond the classes", t->fl_bitmap);
	for (fl = 0; fl < TLSF_FL_COUNT; fl++) {
		uint32_t slmap = t->sl_bitmap[fl];

		if (TLSF_SL_COUNT < 32 && (slmap >> (TLSF_SL_COUNT & 31)))
			return corrupt(why, why_len, "sl bitmap beyond the lists", fl);
		if (((t->fl_bitmap >> fl) & 1) != (slmap != 0))
			return corrupt(why, why_len, "fl bitmap disagrees with sl bitmap", fl);
		for (sl = 0; sl < TLSF_SL_COUNT; sl++) {
			uintptr_t h = t->heads[fl * TLSF_SL_COUNT + sl];
			uintptr_t pprev = (uintptr_t)&t->heads[fl * TLSF_SL_COUNT + sl];
			size_t steps = 0;

			if (((slmap >> sl) & 1) != (h != 0))
				return corrupt(why, why_len, "sl bitmap disagrees with list",
				               fl * TLSF_SL_COUNT + sl);
			for (; h; pprev = h + 8, h = tlsf_next_free(h)) {
				const struct tlsf_region *r = region_of_block(t, h);
				unsigned f2, s2;
				uint64_t w;

				if (++steps > nfree)
					return corrupt(why, why_len,
					               "free list longer than free blocks",
					               fl * TLSF_SL_COUNT + sl);
				if (!r || (h & (TLSF_ALIGN - 1)))
					return corrupt(why, why_len,
					               "free list entry outside regions", h);
				w = tlsf_hdr(h);
				if (!has_cookie(t, w) || !(w & HDR_FREE))
					return corrupt(why, why_len,
					               "free list entry not a free block", h);
				if (tlsf_hsize(w) > r->end - h || tlsf_prev_free(h) != pprev)
					return corrupt(why, why_len, "free list links", h);
				tlsf_map(tlsf_hsize(w), &f2, &s2);
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

int tlsf_validate(const struct tlsf *t, char *why, size_t why_len)
{
	size_t used = 0, nfree = 0, nused = 0, total = 0, blocks = 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	unsigned i, j;
	int err;

	if (!t)
		return corrupt(why, why_len, "null state", 0);
	if (t->nregions == 0 || t->nregions > TLSF_MAX_REGIONS)
		return corrupt(why, why_len, "bad region count", t->nregions);
	if (!t->cookie || (t->cookie & ~HDR_COOKIE_MASK))
		return corrupt(why, why_len, "cookie", t->cookie);

	for (i = 0; i < t->nregions; i++) {
		const struct tlsf_region *r = &t->regions[i];

		total += r->size;
		if (r->first < r->base || r->end + HDR > r->base + r->size || r->first >= r->end ||
		    (r->first & (TLSF_ALIGN - 1)) || ((r->end - r->first) & (TLSF_ALIGN - 1)))
			return corrupt(why, why_len, "region bounds", r->base);
		for (j = 0; j < i; j++) {
			const struct tlsf_region *o = &t->regions[j];

			if (r->base < o->base + o->size && o->base < r->base + r->size)
				return corrupt(why, why_len, "regions overlap", r->base);
		}
		lo = MIN(lo, r->first + HDR);
		hi = MAX(hi, r->end);
		blocks += r->end - r->first;
		err = check_region(t, r, &used, &nused, &nfree, why, why_len);
		if (err)
			return err;
	}
	if (lo != t->lo || hi != t->hi ||
	    t->span_g != (t->nregions == 1 ? (hi - lo) >> TLSF_ALIGN_LOG2 : 0))
		return corrupt(why, why_len, "lo/hi disagree with the regions", t->lo);
	if (total != t->total || blocks != t->block_bytes)
		return corrupt(why, why_len, "total", t->total);
	if (used != t->used_bytes || nused + nfree != t->nblocks)
		return corrupt(why, why_len, "used counter", t->used_bytes);
	if (nfree != t->nfree)
		return corrupt(why, why_len, "free counter", t->nfree);
	return check_lists(t, nfree, why, why_len);
}
