// SPDX-License-Identifier: MIT
/*
 * The slabs of the slab allocator (Bonwick, "The Slab Allocator: An
 * Object-Caching Kernel Memory Allocator", USENIX Summer 1994): class geometry,
 * regions and their page maps, creating, listing, retiring and reaping slabs,
 * and the statistics. The object paths are in mm/slab.c.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/slab.h>
#include <bora/string.h>

/*
 * Largest slab: PAGE_SIZE << CONFIG_SLAB_MAX_ORDER bytes, and no more than a
 * sixteenth of the initial region, so a few classes cannot pin all of a small
 * heap. Within that cap each class takes the smallest slab that wastes at most
 * 1/8 of itself (Bonwick's bound on internal fragmentation); from a 256 KiB
 * heap up, with the default 2, the 1 KiB and 2 KiB classes get 8 and 16 KiB
 * slabs of 7 objects, the smaller classes one page.
 */
#ifndef CONFIG_SLAB_MAX_ORDER
#define CONFIG_SLAB_MAX_ORDER 2
#endif
#if CONFIG_SLAB_MAX_ORDER < 0 || CONFIG_SLAB_MAX_ORDER > 4
#error "CONFIG_SLAB_MAX_ORDER must be 0..4"
#endif

/*
 * The buddy unit is a page on heaps of at least SLAB_MIN_PAGES pages. Smaller
 * heaps (a 4 KiB heap cannot even hold one page after the buddy's metadata) get
 * a unit of size / SLAB_SMALL_UNITS, at least 64 bytes.
 */
#define SLAB_MIN_PAGES      16
#define SLAB_SMALL_UNITS    64
#define SLAB_MIN_UNIT_SHIFT 6
#define SLAB_HEAP_FRACTION  16

#include "slab_internal.h"

void slab_list_push(struct slab_hdr **head, struct slab_hdr *h, uint8_t list)
{
	h->prev = NULL;
	h->next = *head;
	if (*head)
		(*head)->prev = h;
	*head = h;
	h->list = list;
}

void slab_list_unlink(struct slab_hdr **head, struct slab_hdr *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		*head = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

/* Pick each class's slab order; a class whose object does not fit goes to the buddy. */
static void compute_classes(struct slab *s, size_t heap)
{
	unsigned us = s->unit_shift;
	size_t cap = MIN(PAGE_SIZE << CONFIG_SLAB_MAX_ORDER, (size_t)1 << ilog2_u64(heap));

	if (heap / SLAB_HEAP_FRACTION >= ((size_t)1 << us))
		cap = MIN(cap, (size_t)1 << ilog2_u64(heap / SLAB_HEAP_FRACTION));
	else
		cap = MIN(cap, (size_t)1 << us);
	s->max_order = 0;
	s->by_map_slab[0] = 0;               /* slab_lookup: no slab */
	s->by_map_shift[0] = SLAB_MIN_SHIFT; /* any rotation; entry 0 has no objects */
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		size_t size = slab_class_size(c), first = ALIGN_UP(sizeof(struct slab_hdr), size);
		size_t bytes = (size_t)1 << us, n = 0;
		unsigned k = 0;

		for (; bytes <= cap; k++, bytes <<= 1) {
			if (bytes < first + size)
				continue;
			n = MIN((bytes - first) / size, (size_t)SLAB_MAX_OBJS);
			if ((bytes - n * size) * 8 <= bytes || bytes == cap)
				break;
		}
		s->cls[c].order = (uint8_t)(n ? k : 0);
		s->cls[c].bytes = n ? buddy_block_bytes(&s->pages, k) : 0;
		s->cls[c].first = (uint16_t)first;
		s->cls[c].nobjs = (uint16_t)n;
		s->cls[c].span = (uint32_t)(n * size);
		if (n)
			s->max_order = MAX(s->max_order, k);
		s->by_map_slab[c + 1] = ~(s->cls[c].bytes - 1);
		s->by_map_first[c + 1] = first;
		s->by_map_shift[c + 1] = c + SLAB_MIN_SHIFT;
		s->by_map_objmask[c + 1] = size - 1;
		s->by_map_nobjs[c + 1] = n;
	}
}

/*
 * Carve the page map from the start of [base, base + size): one byte per unit
 * frame the region touches. The rest goes to the buddy, whose own header and
 * tags follow, so the map usually fits in the alignment slack before its first
 * unit rather than costing one.
 */
static int region_setup(struct slab *s, void *base, size_t size, bool first)
{
	uintptr_t start = (uintptr_t)base;
	struct slab_region *r = &s->regions[s->nregions];
	size_t frames;
	int err;

	if (!base || !size || size > UINTPTR_MAX - start)
		return -EINVAL;
	for (unsigned n = 0; n < s->nregions; n++)
		if (start < s->regions[n].start + s->regions[n].size &&
		    s->regions[n].start < start + size)
			return -EOVERLAP;
	if (s->nregions == SLAB_MAX_REGIONS)
		return -ENOMEM;
	frames = ((start + size - 1) >> s->unit_shift) - (start >> s->unit_shift) + 1;
	if (frames >= size)
		return -EINVAL;
	if (first)
		err = buddy_init(&s->pages, (void *)(start + frames), size - frames, s->unit_shift);
	else
		err = buddy_add_region(&s->pages, (void *)(start + frames), size - frames);
	if (err)
		return err;
	r->start = start;
	r->size = size;
	r->map_bytes = frames;
	r->base = ALIGN_DOWN(start, (uintptr_t)1 << s->unit_shift);
	memset(base, 0, frames);
	s->nregions++;
	return 0;
}

int slab_init(struct slab *s, void *base, size_t size)
{
	unsigned shift = PAGE_SHIFT;
	int err;

	if (size >> PAGE_SHIFT < SLAB_MIN_PAGES)
		shift =
		    (unsigned)MAX(SLAB_MIN_UNIT_SHIFT, ilog2_u64(MAX(size / SLAB_SMALL_UNITS, 1)));
	memset(s, 0, sizeof(*s));
	s->unit_shift = shift;
	err = region_setup(s, base, size, true);
	if (!err)
		compute_classes(s, size);
	return err;
}

int slab_add_region(struct slab *s, void *base, size_t size)
{
	return region_setup(s, base, size, false);
}

static void map_slab(struct slab *s, struct slab_hdr *h, uint8_t value)
{
	uintptr_t a = (uintptr_t)h;
	const struct slab_region *r = slab_region_of(s, a);

	memset(slab_map_entry(s, r, a), value, s->cls[h->cls].bytes >> s->unit_shift);
}

static void slab_release(struct slab *s, struct slab_hdr *h)
{
	map_slab(s, h, 0);
	h->magic = 0;
	buddy_set_mark(&s->pages, h, false);
	buddy_free_order(&s->pages, h, s->cls[h->cls].order);
}

size_t slab_reap(struct slab *s)
{
	size_t released = s->cached_bytes;

	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		if (s->cls[c].cached) {
			slab_release(s, s->cls[c].cached);
			s->cls[c].cached = NULL;
		}
	}
	s->cached_bytes = 0;
	return released;
}

struct slab_hdr *slab_create(struct slab *s, unsigned c)
{
	const struct slab_class *sc = &s->cls[c];
	size_t size = slab_class_size(c);
	struct slab_hdr *h;
	uint8_t *obj0;
	void *mem;

	if (buddy_alloc_order(&s->pages, sc->order, &mem) &&
	    (!slab_reap(s) || buddy_alloc_order(&s->pages, sc->order, &mem)))
		return NULL;
	buddy_set_mark(&s->pages, mem, true);
	h = mem;
	memset(h, 0, sizeof(*h));
	h->magic = SLAB_MAGIC;
	h->cls = (uint8_t)c;
	/* Thread the free list in address order so early objects share cache lines. */
	obj0 = (uint8_t *)mem + sc->first;
	for (unsigned i = sc->nobjs; i-- > 0;) {
		*(void **)(obj0 + i * size) = h->free;
		*slab_key_word(obj0 + i * size) = slab_free_key(h);
		h->free = obj0 + i * size;
	}
	map_slab(s, h, SLAB_MAP_VALUE(c));
	return h;
}

int slab_became_full(struct slab *s, unsigned c, struct slab_hdr *h)
{
	slab_list_unlink(&s->cls[c].partial, h);
	slab_list_push(&s->cls[c].full, h, SLAB_ON_FULL);
	return 0;
}

/* The last object left h: keep it as the class's cached slab or give it back. */
static void slab_retire(struct slab *s, struct slab_hdr *h)
{
	struct slab_class *sc = &s->cls[h->cls];

	slab_list_unlink(&sc->partial, h);
	sc->nslabs--;
	s->active_bytes -= sc->bytes;
	s->active_overhead -= slab_overhead(s, h->cls);
	if (!sc->cached) {
		h->list = SLAB_CACHED;
		sc->cached = h;
		s->cached_bytes += sc->bytes;
	} else {
		slab_release(s, h);
	}
}

/* h gave back an object: off the full list if it was full, retired if now empty. */
void slab_refile(struct slab *s, struct slab_hdr *h, bool was_full)
{
	struct slab_class *sc = &s->cls[h->cls];

	if (was_full) {
		slab_list_unlink(&sc->full, h);
		slab_list_push(&sc->partial, h, SLAB_ON_PARTIAL);
	}
	if (!h->inuse)
		slab_retire(s, h);
}

/*
 * What the buddy's largest free block would be after slab_reap(): merge the
 * cached slabs, on paper, with their free buddies and with each other.
 */
static size_t largest_after_reap(const struct slab *s, size_t now)
{
	struct {
		uintptr_t addr;
		unsigned order;
		bool live;
	} v[SLAB_CLASSES];
	unsigned n = 0;
	bool merged;

	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		if (s->cls[c].cached) {
			v[n].addr = (uintptr_t)s->cls[c].cached;
			v[n].order = s->cls[c].order;
			v[n++].live = true;
		}
	do {
		merged = false;
		for (unsigned a = 0; a < n; a++) {
			bool is_free = false;
			void *bp;
			unsigned m = n;

			if (!v[a].live)
				continue;
			bp = buddy_buddy_of(&s->pages, (void *)v[a].addr, v[a].order, &is_free);
			if (!bp)
				continue;
			if (!is_free) {
				for (m = 0; m < n; m++)
					if (m != a && v[m].live && v[m].addr == (uintptr_t)bp &&
					    v[m].order == v[a].order)
						break;
				if (m == n)
					continue;
				v[m].live = false;
			}
			v[a].addr = MIN(v[a].addr, (uintptr_t)bp);
			v[a].order++;
			merged = true;
		}
	} while (merged);
	for (unsigned a = 0; a < n; a++)
		if (v[a].live)
			now = MAX(now, buddy_block_bytes(&s->pages, v[a].order));
	return now;
}

void slab_stats(const struct slab *s, struct byte_alloc_stats *st)
{
	struct byte_alloc_stats b;
	size_t largest;

	buddy_stats(&s->pages, &b);
	st->total = b.total;
	st->used = b.used - s->active_bytes - s->cached_bytes;
	/* No live-object counter on the fast paths: count them here. */
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		for (const struct slab_hdr *h = s->cls[c].partial; h; h = h->next)
			st->used += h->inuse * slab_class_size(c);
		for (const struct slab_hdr *h = s->cls[c].full; h; h = h->next)
			st->used += h->inuse * slab_class_size(c);
	}
	st->metadata = b.metadata + s->active_overhead;
	/* The page maps, carved from the regions before the buddy saw them. */
	for (unsigned n = 0; n < s->nregions; n++) {
		st->total += s->regions[n].map_bytes;
		st->metadata += s->regions[n].map_bytes;
	}
	st->available = st->total - st->used - st->metadata;
	/*
	 * Every size up to the (reaped) buddy's largest block succeeds, directly or
	 * in a new slab; beyond it, classes with a free object extend the range only
	 * while there is no gap, so any size <= largest_free can be allocated.
	 */
	largest = largest_after_reap(s, b.largest_free);
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		if (slab_class_size(c) <= largest)
			continue;
		if (!s->cls[c].partial)
			break;
		largest = slab_class_size(c);
	}
	st->largest_free = largest;
}
