/* SPDX-License-Identifier: MIT */
/*
 * What mm/kmalloc.c (the heap and its fast paths), mm/kmalloc_grow.c (growth),
 * mm/kmalloc_report.c (errors, statistics, validation), mm/kmalloc_debug.c
 * (the debug mode's header, poison and quarantine) and mm/kmalloc_pcache.c
 * (per-hart magazines) share.
 */
#ifndef BORA_MM_KMALLOC_INTERNAL_H
#define BORA_MM_KMALLOC_INTERNAL_H

#include <bora/kmalloc.h>

#define KHEAP_MAX_SHIFT   62
#define KHEAP_MAX_PENDING 4 /* reports delivered per call; the rest are only counted */

/* Errors found under the lock, delivered to h->report once it is dropped. */
struct kheap_reports {
	size_t n;
	struct {
		enum kheap_error kind;
		void *ptr;
		void *caller;
	} e[KHEAP_MAX_PENDING];
};

void kheap_note(struct kheap *h, struct kheap_reports *r, enum kheap_error kind, void *ptr,
                void *caller);
void kheap_deliver(struct kheap *h, const struct kheap_reports *r);
/*
 * A block of `gross` bytes at `align` from the byte allocator: on -ENOMEM the
 * quarantine is drained, then the heap grows. 0 or the allocator's error.
 */
int kheap_take(struct kheap *h, size_t gross, size_t align, void **block, struct kheap_reports *r);
/* Outside debug mode `used` is the allocator's: sample its peak into h->count (lock held). */
void kheap_sample_peak(struct kheap *h);
/* The error class of a pointer that is no live block (outside debug mode). */
int kheap_classify_bad(const struct kheap *h, const void *ptr, enum kheap_error *kind);
const struct kheap_region *kheap_region_of(const struct kheap *h, uintptr_t p, size_t before);

/* ---- debug mode (mm/kmalloc_debug.c); all called with the lock held ---- */

void *kheap_debug_alloc(struct kheap *h, size_t size, unsigned int shift, struct kheap_reports *r);
int kheap_debug_free(struct kheap *h, void *ptr, void *caller, struct kheap_reports *r);
/* 0 and the block's size and alignment shift, or the error kheap_free returns. */
int kheap_debug_check(const struct kheap *h, const void *ptr, size_t *size, unsigned int *shift,
                      enum kheap_error *kind);
int kheap_debug_resize(struct kheap *h, void *ptr, size_t old, size_t size, unsigned int shift);
void kheap_debug_quarantine_pop(struct kheap *h, struct kheap_reports *r);
int kheap_debug_validate(const struct kheap *h, char *why, size_t why_len);

/* ---- per-hart magazines (mm/kmalloc_pcache.c, CONFIG_PERCPU_CACHE) ---- */

#ifdef CONFIG_PERCPU_CACHE
#include <bora/magazine.h>
#include <bora/smp.h>

#define KCACHE_MAX 256 /* largest request the magazines serve */
/* Usable sizes below this have a class to be cached in (MAG_MIN_OBJECT and up). */
#define KCACHE_BLOCK_LIMIT 512

/* mm/kmalloc_pcache.c; kcache_heap is NULL until kcache_init() succeeds. */
extern struct mag_cache kcache;
extern struct kheap *kcache_heap;
extern const uint8_t kcache_request_class[KCACHE_MAX / 16];
extern const uint8_t kcache_block_class[KCACHE_BLOCK_LIMIT / 16];
void kcache_init(struct kheap *h);

/*
 * A block for a request of 1..KCACHE_MAX bytes from this hart's stack, or NULL
 * (refill false: only if one is cached; true: refilled from the heap if need be).
 */
static inline __attribute__((always_inline)) void *kcache_alloc(size_t size, bool refill)
{
	struct mag_hart *mh = &kcache.hart[smp_this_hart()];
	unsigned int cls = kcache_request_class[(size - 1) >> 4];

	if (__builtin_expect(!kcache_heap, 0))
		return NULL;
	return refill ? mag_hart_alloc(&kcache, mh, cls) : mag_hart_pop(&kcache, mh, cls);
}

/*
 * 0: cached; 1: not a block the magazines take (use the locked path);
 * -ENOTALLOC: cached already. The allocator's usable_size is its cheap O(1)
 * check, called without the heap lock: for a live block it reads only words no
 * operation on another block rewrites, and a pointer it refuses is checked
 * again under the lock.
 */
static inline __attribute__((always_inline)) int kcache_free(void *ptr)
{
	struct kheap *h = kcache_heap;
	size_t usable;

	if (__builtin_expect(!h || ((uintptr_t)ptr & (KHEAP_MIN_ALIGN - 1)), 0))
		return 1;
	usable = h->ops->usable_size(h->state, ptr);
	if (__builtin_expect(usable - MAG_MIN_OBJECT >= KCACHE_BLOCK_LIMIT - MAG_MIN_OBJECT, 0))
		return 1; /* not a live block (checked again under the lock), or too large */
	return mag_hart_free(&kcache, &kcache.hart[smp_this_hart()],
	                     kcache_block_class[usable >> 4], ptr);
}

/* Give every hart's cached blocks back to h's allocator; how many. Not under h->lock. */
size_t kcache_drain(const struct kheap *h);
/* Calls the magazines served, blocks and usable bytes cached now. Not under h->lock. */
void kcache_account(const struct kheap *h, size_t *allocs, size_t *frees, size_t *blocks,
                    size_t *bytes);
int kcache_validate(const struct kheap *h, char *why, size_t why_len);
bool kcache_active(const struct kheap *h);
/* ptr, a live block of `usable` bytes in the byte allocator, sits in a magazine. */
bool kcache_holds(const struct kheap *h, const void *ptr, size_t usable);
#else
static inline bool kcache_holds(const struct kheap *h, const void *ptr, size_t usable)
{
	(void)h;
	(void)ptr;
	(void)usable;
	return false;
}
static inline bool kcache_active(const struct kheap *h)
{
	(void)h;
	return false;
}
static inline size_t kcache_drain(const struct kheap *h)
{
	(void)h;
	return 0;
}
static inline void kcache_account(const struct kheap *h, size_t *allocs, size_t *frees,
                                  size_t *blocks, size_t *bytes)
{
	(void)h;
	*allocs = *frees = *blocks = *bytes = 0;
}
static inline int kcache_validate(const struct kheap *h, char *why, size_t why_len)
{
	(void)h;
	(void)why;
	(void)why_len;
	return 0;
}
#endif

#endif
