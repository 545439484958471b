// SPDX-License-Identifier: MIT
/*
 * Validator of the slab allocator (mm/slab.c, after Bonwick, "The Slab
 * Allocator", USENIX Summer 1994): every slab on every class list against its
 * buddy block, its page-map bytes, its free list (bounds, duplicates, the free
 * key, the debug live bitmap) and its fill level; then the byte counters and
 * the buddy underneath. O(heap); the tests and the fuzzer call it.
 */
#include <bora/errno.h>
#include <bora/string.h>

#include "slab_internal.h"

/* Every page-map byte of h's units names its class; none past it does. */
static const char *check_map(const struct slab *s, unsigned c, const struct slab_hdr *h)
{
	const struct slab_region *r = slab_region_of(s, (uintptr_t)h);
	const uint8_t *m;

	if (!r || (uintptr_t)h - r->start + s->cls[c].bytes > r->size)
		return "slab outside every region";
	m = slab_map_entry(s, r, (uintptr_t)h);
	for (size_t u = 0; u < s->cls[c].bytes >> s->unit_shift; u++)
		if (m[u] != SLAB_MAP_VALUE(c))
			return "page map does not name the slab's class";
	return NULL;
}

static const char *check_free_list(const struct slab *s, unsigned c, const struct slab_hdr *h)
{
	const struct slab_class *sc = &s->cls[c];
	uintptr_t obj0 = (uintptr_t)h + sc->first;
	uint64_t seen[SLAB_MAX_OBJS / 64] = {0};
	unsigned nfree = 0;

	for (uint8_t *p = h->free; p; p = *(void **)p) {
		uintptr_t off = (uintptr_t)p - obj0;
		size_t idx = off >> (c + SLAB_MIN_SHIFT);

		if ((uintptr_t)p < obj0 || off >= sc->span || !IS_ALIGNED(off, slab_class_size(c)))
			return "free-list entry outside the slab's objects";
		if (seen[idx / 64] & (1ull << (idx % 64)))
			return "object twice on the free list";
		if (*slab_key_word(p) != slab_free_key(h))
			return "live object on the free list";
#ifdef CONFIG_ALLOC_DEBUG
		if (slab_live_bit(h, idx))
			return "live object on the free list";
#endif
		seen[idx / 64] |= 1ull << (idx % 64);
		nfree++;
	}
	if (nfree != (unsigned)sc->nobjs - h->inuse)
		return "free-list length and in-use count differ";
#ifdef CONFIG_ALLOC_DEBUG
	for (unsigned i = 0; i < SLAB_MAX_OBJS; i++) {
		bool live = slab_live_bit(h, i);

		if (live && i >= sc->nobjs)
			return "live bit beyond the last object";
		if (i < sc->nobjs && live == ((seen[i / 64] >> (i % 64)) & 1))
			return "live bitmap and free list disagree";
	}
#endif
	return NULL;
}

static const char *check_slab(const struct slab *s, unsigned c, const struct slab_hdr *h,
                              uint8_t list)
{
	const struct slab_class *sc = &s->cls[c];
	unsigned order;
	bool mark;
	const char *msg;

	if (buddy_lookup(&s->pages, h, &order, &mark) || !mark || order != sc->order)
		return "slab is not a marked buddy block of its class's order";
	if (h->magic != SLAB_MAGIC || h->cls != c || h->list != list)
		return "slab header magic, class or list tag wrong";
	if (h->inuse > sc->nobjs)
		return "in-use count above the slab's objects";
	if ((list == SLAB_ON_FULL) != (h->inuse == sc->nobjs) ||
	    (list == SLAB_CACHED) != (h->inuse == 0))
		return "slab on the wrong list for its fill level";
	msg = check_map(s, c, h);
	return msg ? msg : check_free_list(s, c, h);
}

/* One class list: prev links, a bound against cycles, every slab checked. */
static const char *check_list(const struct slab *s, unsigned c, const struct slab_hdr *head,
                              uint8_t list, size_t *nslabs)
{
	size_t limit = s->pages.total >> s->pages.unit_shift;
	const struct slab_hdr *prev = NULL;
	const char *msg;

	for (const struct slab_hdr *h = head; h; prev = h, h = h->next) {
		if (++*nslabs > limit)
			return "slab list has a cycle";
		msg = check_slab(s, c, h, list);
		if (msg)
			return msg;
		if (h->prev != prev)
			return "slab list prev link broken";
	}
	return NULL;
}

/* Page-map bytes naming a class, over every region. */
static size_t mapped_units(const struct slab *s)
{
	size_t units = 0;

	for (unsigned n = 0; n < s->nregions; n++) {
		const struct slab_region *r = &s->regions[n];
		const uint8_t *m = slab_map_entry(s, r, r->start);

		for (size_t u = 0; u < r->map_bytes; u++)
			units += m[u] != 0;
	}
	return units;
}

int slab_validate(const struct slab *s, char *why, size_t why_len)
{
	size_t active = 0, overhead = 0, cached = 0;
	const char *msg;

	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		const struct slab_class *sc = &s->cls[c];
		size_t nslabs = 0;

		msg = check_list(s, c, sc->partial, SLAB_ON_PARTIAL, &nslabs);
		if (!msg)
			msg = check_list(s, c, sc->full, SLAB_ON_FULL, &nslabs);
		if (!msg && sc->cached)
			msg = check_slab(s, c, sc->cached, SLAB_CACHED);
		if (msg)
			return validate_failed(why, why_len, msg);
		if (nslabs != sc->nslabs)
			return validate_failed(why, why_len, "class slab count wrong");
		active += nslabs * sc->bytes;
		overhead += nslabs * slab_overhead(s, c);
		cached += sc->cached ? sc->bytes : 0;
	}
	if (active != s->active_bytes || overhead != s->active_overhead ||
	    cached != s->cached_bytes)
		return validate_failed(why, why_len, "slab byte counters wrong");
	if (buddy_marked_bytes(&s->pages) != active + cached)
		return validate_failed(why, why_len, "a marked buddy block is on no slab list");
	if (mapped_units(s) << s->unit_shift != active + cached)
		return validate_failed(why, why_len, "page map names a unit of no listed slab");
	return buddy_validate(&s->pages, why, why_len);
}
