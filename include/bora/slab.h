/* SPDX-License-Identifier: MIT */
/*
 * Slab allocator after Bonwick, "The Slab Allocator: An Object-Caching Kernel
 * Memory Allocator" (USENIX Summer 1994), reduced to what a byte heap needs:
 * power-of-two size classes of 16 B .. 2 KiB, each a cache of slabs kept on
 * partial and full lists plus at most one cached empty slab. A slab is one
 * naturally aligned block from a page-unit buddy over the same region, with its
 * header at the block start and a free list threaded through its free objects.
 * Requests above 2 KiB (or aligned beyond it) go to that buddy directly.
 *
 * Finding an object's slab is O(1) without probing: each region carries a
 * page map, one byte per buddy unit saying which class's slab covers it (0:
 * none; otherwise the class's offset in the free path's tables), and slabs are
 * buddy blocks aligned to their size, so the header is the pointer rounded
 * down to its class's slab size. A free object carries a free key, its slab
 * header's address, in its second word; free() of an object holding the key
 * confirms on the slab's free list and refuses a double free. Outside
 * CONFIG_ALLOC_DEBUG that is the only per-object state (a free object whose
 * key a write-after-free overwrote is not recognised); with it, a live bitmap
 * per slab decides instead, whatever was written into freed objects.
 */
#ifndef BORA_SLAB_H
#define BORA_SLAB_H

#include <bora/alloc.h>
#include <bora/buddy.h>

#define SLAB_MIN_SHIFT 4  /* 16 B: room for the free-list link */
#define SLAB_MAX_SHIFT 11 /* 2 KiB */
#define SLAB_CLASSES   (SLAB_MAX_SHIFT - SLAB_MIN_SHIFT + 1)
#define SLAB_MAX_OBJS  256 /* objects per slab (the debug live bitmap covers them) */
/* Regions (init + add_region): kmalloc's growth limit. */
#ifdef CONFIG_KHEAP_MAX_REGIONS
#define SLAB_MAX_REGIONS CONFIG_KHEAP_MAX_REGIONS
#else
#define SLAB_MAX_REGIONS 16
#endif

/*
 * Page-map value of class c: the byte offset of the class's entries in the
 * by_map_* tables of struct slab (entry c + 1), so free()'s fast path indexes
 * them with the byte as it is. 0 means no slab.
 */
#define SLAB_MAP_VALUE(c) ((uint8_t)(((c) + 1) * sizeof(uintptr_t)))

enum slab_list { SLAB_ON_PARTIAL = 1, SLAB_ON_FULL, SLAB_CACHED };

struct slab_hdr {
	struct slab_hdr *next, *prev; /* partial or full list of the class */
	void *free;                   /* first free object; links live in the objects */
	uint16_t magic;
	uint8_t cls;    /* class index: object size 16 << cls */
	uint8_t list;   /* enum slab_list */
	uint32_t inuse; /* a full word: RISC-V tests a 16-bit count for 0 with two extra shifts */
#ifdef CONFIG_ALLOC_DEBUG
	uint64_t live[SLAB_MAX_OBJS / 64]; /* allocated objects: exact double-free check */
#endif
};

struct slab_class {
	struct slab_hdr *partial, *full;
	struct slab_hdr *cached; /* the one empty slab kept for reuse */
	size_t bytes;            /* slab size (a buddy block of `order`), 0 if none */
	uint32_t span;           /* nobjs * object size: objects end at first + span */
	uint8_t order;           /* slab size: buddy block of this order */
	uint16_t first;          /* offset of object 0 from the slab start */
	uint16_t nobjs;
	size_t nslabs; /* on partial + full */
};

/* One region: its bytes, and its page map carved from its end. */
struct slab_region {
	uintptr_t start;
	size_t size;
	uintptr_t base;   /* start rounded down to a unit: the map's first byte is its unit's */
	size_t map_bytes; /* the map, at start: one byte per unit from base */
};

struct slab {
	struct slab_region regions[SLAB_MAX_REGIONS];
	unsigned nregions;
	unsigned unit_shift;
	struct slab_class cls[SLAB_CLASSES];
	/*
	 * What free()'s fast path needs, entry c + 1 for class c (the page-map
	 * byte is that entry's byte offset; entry 0, "no slab", has no objects so
	 * every check fails): the mask that
	 * rounds a pointer down to its slab, offset of object 0, log2 and mask of
	 * the object size, objects per slab.
	 */
	uintptr_t by_map_slab[SLAB_CLASSES + 1];
	uintptr_t by_map_first[SLAB_CLASSES + 1];
	uintptr_t by_map_shift[SLAB_CLASSES + 1];
	uintptr_t by_map_objmask[SLAB_CLASSES + 1];
	uintptr_t by_map_nobjs[SLAB_CLASSES + 1];
	struct buddy pages;     /* page-unit buddy: slabs and large requests */
	unsigned max_order;     /* largest slab order of any class */
	size_t active_bytes;    /* slabs on partial/full lists */
	size_t active_overhead; /* their headers, padding and tails */
	size_t cached_bytes;    /* cached empty slabs: reusable, counted as available */
};

int slab_init(struct slab *s, void *base, size_t size);
int slab_add_region(struct slab *s, void *base, size_t size);
int slab_alloc(struct slab *s, size_t size, size_t align, void **out);
int slab_free(struct slab *s, void *ptr, size_t size, size_t align);
int slab_resize_in_place(struct slab *s, void *ptr, size_t old_size, size_t new_size, size_t align);
/* Class size of the live object at ptr (or its buddy block's size), 0 if none. */
size_t slab_usable_size(const struct slab *s, const void *ptr);
/* free(ptr, usable_size(ptr), 1) in one call; -ENOTALLOC when ptr is no live block. */
int slab_free_block(struct slab *s, void *ptr);
void slab_stats(const struct slab *s, struct byte_alloc_stats *st);
int slab_validate(const struct slab *s, char *why, size_t why_len);

/* Return every cached empty slab to the buddy; how many bytes that released. */
size_t slab_reap(struct slab *s);
/* The slab holding ptr (any address inside it), or NULL; O(1) from the page map. */
struct slab_hdr *slab_lookup(const struct slab *s, const void *ptr);
/* Class index serving (size, align), or -1 when the request goes to the buddy. */
int slab_class_for(size_t size, size_t align);

#endif
