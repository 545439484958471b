// SPDX-License-Identifier: MIT
/*
 * Slab allocator after Bonwick, "The Slab Allocator: An Object-Caching Kernel
 * Memory Allocator" (USENIX Summer 1994), over a page-unit buddy; see
 * include/bora/slab.h. Policy, following the paper:
 *  - allocate from a partially used slab first, so slabs fill up and whole
 *    slabs can go back; the paper orders a cache's slab list full, partial,
 *    empty to find a free object in O(1), separate lists do the same here;
 *  - an empty slab goes back to the page allocator, except that one per class
 *    is kept, so a class hovering at 0/1 live objects does not create and
 *    destroy a slab on every call (the paper's working-set argument);
 *  - cached empty slabs are reaped when the buddy runs dry, as the paper's
 *    caches give memory back under global memory pressure.
 * Objects are naturally aligned to their class size, so alignment requests up
 * to 2 KiB are served by the class max(size, align).
 *
 * The fast paths (an object from a partial slab, and its free) touch the class,
 * the slab header, the object and one page-map byte: no probing, no list walk,
 * no bitmap outside CONFIG_ALLOC_DEBUG. Everything else (large requests, other
 * regions, refusals) is in the slow paths below them; slabs themselves (class
 * geometry, regions and their page maps, creation, lists, reaping, statistics)
 * are in mm/slab_cache.c.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/slab.h>
#include <bora/string.h>

#include "slab_internal.h"

int slab_class_for(size_t size, size_t align)
{
	size_t need = MAX(MAX(size, align), slab_class_size(0));

	if (need > slab_class_size(SLAB_CLASSES - 1))
		return -1;
	return ilog2_u64(roundup_pow2(need)) - SLAB_MIN_SHIFT;
}

/* Object `obj` of class c left the free list of h: list moves and counters. */
static void took_object(struct slab *s, unsigned c, struct slab_hdr *h, void *obj)
{
	(void)s; /* s and c: the debug live bitmap's index */
	(void)c;
	*slab_key_word(obj) = 0;
	h->inuse++;
#ifdef CONFIG_ALLOC_DEBUG
	{
		size_t idx =
		    ((uintptr_t)obj - (uintptr_t)h - s->cls[c].first) >> (c + SLAB_MIN_SHIFT);

		h->live[idx / 64] |= 1ull << (idx % 64);
	}
#endif
}

static int class_alloc(struct slab *s, unsigned c, void **out)
{
	struct slab_class *sc = &s->cls[c];
	struct slab_hdr *h = sc->partial;
	void *obj;

	if (!h) {
		if (!sc->nobjs)
			return -ENOMEM;
		if (sc->cached) {
			h = sc->cached;
			sc->cached = NULL;
			s->cached_bytes -= sc->bytes;
		} else if (!(h = slab_create(s, c))) {
			return -ENOMEM;
		}
		slab_list_push(&sc->partial, h, SLAB_ON_PARTIAL);
		sc->nslabs++;
		s->active_bytes += sc->bytes;
		s->active_overhead += slab_overhead(s, c);
	}
	obj = h->free;
	h->free = *(void **)obj;
	took_object(s, c, h, obj);
	if (!h->free)
		slab_became_full(s, c, h);
	*out = obj;
	return 0;
}

/* Kept out of line so the fast path needs no stack frame. */
static __attribute__((noinline)) int slab_alloc_slow(struct slab *s, size_t size, size_t align,
                                                     void **out)
{
	int c, err;

	if (size == 0 || !is_power_of_2(align))
		return -EINVAL;
	c = slab_class_for(size, align);
	if (c >= 0 && class_alloc(s, (unsigned)c, out) == 0)
		return 0;
	/* Large request, or no page left for a new slab: try the buddy itself. */
	err = buddy_alloc(&s->pages, size, align, out);
	if (err == -ENOMEM && slab_reap(s))
		err = buddy_alloc(&s->pages, size, align, out);
	return err;
}

int slab_alloc(struct slab *s, size_t size, size_t align, void **out)
{
	struct slab_hdr *h;
	unsigned c;
	void *obj;

	/* The fast path: alignment 1, a class with a partial slab. */
	if (unlikely(align != 1 || size - 1 >= slab_class_size(SLAB_CLASSES - 1)))
		return slab_alloc_slow(s, size, align, out);
	c = (unsigned)fls64((size - 1) | (slab_class_size(0) - 1)) + 1 - SLAB_MIN_SHIFT;
	h = s->cls[c].partial;
	if (unlikely(!h))
		return slab_alloc_slow(s, size, align, out);
	/* A slab on the partial list has a free object. */
	obj = h->free;
	h->free = *(void **)obj;
	took_object(s, c, h, obj);
	*out = obj;
	return h->free ? 0 : slab_became_full(s, c, h);
}

struct slab_hdr *slab_lookup(const struct slab *s, const void *ptr)
{
	uintptr_t a = (uintptr_t)ptr;
	const struct slab_region *r = slab_region_of(s, a);
	unsigned m = r ? *slab_map_entry(s, r, a) : 0;

	/* Entry 0's mask is 0: no slab gives NULL. A byte no class writes is corrupt. */
	if (m > SLAB_MAP_VALUE(SLAB_CLASSES - 1) || m % SLAB_MAP_VALUE(0))
		return NULL;
	return (struct slab_hdr *)(a & slab_by_map(s->by_map_slab, m));
}

#ifndef CONFIG_ALLOC_DEBUG
/* Whether obj (an object slot of h) is on h's free list; walks it. */
static bool on_free_list(const struct slab_hdr *h, const void *obj)
{
	for (const void *p = h->free; p; p = *(void *const *)p)
		if (p == obj)
			return true;
	return false;
}
#endif

/*
 * Whether the object slot at ptr in slab h is live. Debug builds answer from
 * the live bitmap; others from the free key, confirmed on the free list when
 * present (user data may hold the key by chance).
 */
static bool object_live(const struct slab *s, const struct slab_hdr *h, void *ptr)
{
#ifdef CONFIG_ALLOC_DEBUG
	const struct slab_class *sc = &s->cls[h->cls];
	size_t idx = ((uintptr_t)ptr - (uintptr_t)h - sc->first) >> (h->cls + SLAB_MIN_SHIFT);

	return slab_live_bit(h, idx);
#else
	(void)s;
	return *slab_key_word(ptr) != slab_free_key(h) || !on_free_list(h, ptr);
#endif
}

/*
 * The slab of the live object at ptr: 0 with *hdr set; -ENOTALLOC when ptr is
 * not a live object of a slab (*hdr NULL when it is in no slab at all).
 */
static int live_object(const struct slab *s, void *ptr, struct slab_hdr **hdr)
{
	struct slab_hdr *h = slab_lookup(s, ptr);
	const struct slab_class *sc;
	uintptr_t off;

	*hdr = h;
	if (!h)
		return -ENOTALLOC;
	sc = &s->cls[h->cls];
	off = (uintptr_t)ptr - (uintptr_t)h - sc->first;
	if (off >= sc->span || !IS_ALIGNED(off, slab_class_size(h->cls)))
		return -ENOTALLOC;
	return object_live(s, h, ptr) ? 0 : -ENOTALLOC;
}

#ifndef CONFIG_ALLOC_DEBUG
/* free()'s fast path found h full (its in-use count not yet lowered) or empty. */
static __attribute__((noinline)) void slab_refile_fast(struct slab *s, struct slab_hdr *h,
                                                       bool was_full)
{
	if (was_full)
		h->inuse--;
	slab_refile(s, h, was_full);
}
#endif

/* Put the live object ptr of h back on its free list. */
static void put_object(struct slab *s, unsigned c, struct slab_hdr *h, void *ptr)
{
	void *old = h->free;

	(void)c; /* the debug live bitmap's index needs it */

#ifdef CONFIG_ALLOC_DEBUG
	size_t idx = ((uintptr_t)ptr - (uintptr_t)h - s->cls[c].first) >> (c + SLAB_MIN_SHIFT);

	h->live[idx / 64] &= ~(1ull << (idx % 64));
#endif
	*(void **)ptr = old;
	*slab_key_word(ptr) = slab_free_key(h);
	h->free = ptr;
	if (likely(old)) {
		if (likely(--h->inuse))
			return;
	} else {
		h->inuse--;
	}
	slab_refile(s, h, !old);
}

/*
 * Whether free(ptr, size, align) may take back an object of class c. With
 * CONFIG_ALLOC_DEBUG the request must map to exactly that class; otherwise it
 * only has to fit the object, which is what free()'s fast path checks (the
 * class comes from the page map, so a smaller size still frees that object).
 */
static bool request_fits(size_t size, size_t align, unsigned c)
{
	int want = slab_class_for(size, align);

#ifdef CONFIG_ALLOC_DEBUG
	return want == (int)c;
#else
	return want >= 0 && want <= (int)c;
#endif
}

static __attribute__((noinline)) int slab_free_slow(struct slab *s, void *ptr, size_t size,
                                                    size_t align)
{
	struct slab_hdr *h;
	int err;

	if (size == 0 || !is_power_of_2(align))
		return -EINVAL;
	err = live_object(s, ptr, &h);
	if (!h)
		return buddy_free(&s->pages, ptr, size, align);
	if (err)
		return err;
	if (!request_fits(size, align, h->cls))
		return -EINVAL;
	put_object(s, h->cls, h, ptr);
	return 0;
}

/*
 * The fast path: alignment 1 (kmalloc's, and every caller's that keeps no
 * alignment), the first region, a slab page, an object boundary, a size that
 * fits the object, no free key. Anything else, refusals included, takes the
 * slow path, which checks everything again and names the error. With
 * CONFIG_ALLOC_DEBUG every free takes it (live bitmap, exact class).
 */
int slab_free(struct slab *s, void *ptr, size_t size, size_t align)
{
#ifndef CONFIG_ALLOC_DEBUG
	const struct slab_region *r = &s->regions[0];
	uintptr_t a = (uintptr_t)ptr, frame, h, off, idx, shift;
	struct slab_hdr *hdr;
	size_t m;
	void *old;

	if (unlikely(align != 1))
		return slab_free_slow(s, ptr, size, align);
	/* Frames from the region's first unit boundary: past the map's end is outside. */
	frame = (a - r->base) >> s->unit_shift;
	if (unlikely(frame >= r->map_bytes))
		goto slow;
	m = ((const uint8_t *)r->start)[frame];
	h = a & slab_by_map(s->by_map_slab, m);
	off = a - h - slab_by_map(s->by_map_first, m);
	shift = slab_by_map(s->by_map_shift, m);
	/* The object's index; off of the object grid rotates into a huge value. */
	idx = off >> shift | off << (64 - shift);
	hdr = (struct slab_hdr *)h;
	if (unlikely(idx >= slab_by_map(s->by_map_nobjs, m) ||
	             size - 1 > slab_by_map(s->by_map_objmask, m) ||
	             *slab_key_word(ptr) == slab_free_key(hdr)))
		goto slow;
	old = hdr->free;
	*(void **)ptr = old;
	*slab_key_word(ptr) = slab_free_key(hdr);
	hdr->free = ptr;
	if (unlikely(!old || --hdr->inuse == 0))
		slab_refile_fast(s, hdr, !old);
	return 0;
slow:
	/* align is 1 here: passing the constant spares the fast path keeping it. */
	return slab_free_slow(s, ptr, size, 1);
#else
	return slab_free_slow(s, ptr, size, align);
#endif
}

int slab_resize_in_place(struct slab *s, void *ptr, size_t old_size, size_t new_size, size_t align)
{
	struct slab_hdr *h;
	int err;

	if (old_size == 0 || new_size == 0 || !is_power_of_2(align))
		return -EINVAL;
	err = live_object(s, ptr, &h);
	if (!h)
		return buddy_resize_in_place(&s->pages, ptr, old_size, new_size, align);
	if (err)
		return err;
	if (!request_fits(old_size, align, h->cls))
		return -EINVAL;
	/* An object cannot change class without moving. */
	return slab_class_for(new_size, align) == h->cls ? 0 : -ENOMEM;
}

size_t slab_usable_size(const struct slab *s, const void *ptr)
{
	struct slab_hdr *h;
	int err = live_object(s, (void *)ptr, &h);

	if (!h)
		return buddy_usable_size(&s->pages, ptr);
	return err ? 0 : slab_class_size(h->cls);
}

int slab_free_block(struct slab *s, void *ptr)
{
	size_t n = slab_usable_size(s, ptr);

	return n ? slab_free(s, ptr, n, 1) : -ENOTALLOC;
}

DEFINE_BYTE_ALLOCATOR_OPS(slab, slab_init);
