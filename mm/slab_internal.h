/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the slab allocator (mm/slab.c, after Bonwick, USENIX Summer 1994)
 * shared with its validator (mm/slab_validate.c).
 */
#ifndef BORA_MM_SLAB_INTERNAL_H
#define BORA_MM_SLAB_INTERNAL_H

#include <bora/slab.h>

#define SLAB_MAGIC 0x51abu

static inline size_t slab_class_size(unsigned c)
{
	return (size_t)1 << (c + SLAB_MIN_SHIFT);
}

static inline size_t slab_overhead(const struct slab *s, unsigned c)
{
	return s->cls[c].bytes - s->cls[c].span;
}

/* The region holding address a, or NULL. */
static inline const struct slab_region *slab_region_of(const struct slab *s, uintptr_t a)
{
	for (unsigned n = 0; n < s->nregions; n++)
		if (a - s->regions[n].start < s->regions[n].size)
			return &s->regions[n];
	return NULL;
}

/* Entry of page-map value v (SLAB_MAP_VALUE) in one of the by_map_* tables. */
static inline uintptr_t slab_by_map(const uintptr_t *table, size_t v)
{
	return *(const uintptr_t *)((const char *)table + v);
}

/* Page-map byte of address a in region r: SLAB_MAP_VALUE of the slab covering it, or 0. */
static inline uint8_t *slab_map_entry(const struct slab *s, const struct slab_region *r,
                                      uintptr_t a)
{
	return (uint8_t *)r->start + ((a - r->base) >> s->unit_shift);
}

/*
 * The free key of slab h's objects: the header's address, which no object
 * pointer equals (objects start past the header) and which free()'s fast path
 * already holds in a register. Any value works (a match is confirmed on the
 * free list); this one costs no load.
 */
static inline uintptr_t slab_free_key(const struct slab_hdr *h)
{
	return (uintptr_t)h;
}

/* The free-key word of an object (its second word; objects are at least 16 bytes). */
static inline uintptr_t *slab_key_word(void *obj)
{
	return (uintptr_t *)obj + 1;
}

/* mm/slab_cache.c, for the object paths in mm/slab.c. */
void slab_list_push(struct slab_hdr **head, struct slab_hdr *h, uint8_t list);
void slab_list_unlink(struct slab_hdr **head, struct slab_hdr *h);
/* A new slab of class c, every object free; NULL when no memory is left. */
struct slab_hdr *slab_create(struct slab *s, unsigned c);
/*
 * h (of class c) just handed out its last free object: onto the full list.
 * Returns 0, so the allocation fast path can end in a tail call.
 */
int slab_became_full(struct slab *s, unsigned c, struct slab_hdr *h);
/* h gave back an object: off the full list if it was full, retired if now empty. */
void slab_refile(struct slab *s, struct slab_hdr *h, bool was_full);

#ifdef CONFIG_ALLOC_DEBUG
static inline bool slab_live_bit(const struct slab_hdr *h, size_t idx)
{
	return (h->live[idx / 64] >> (idx % 64)) & 1;
}
#endif

#endif
