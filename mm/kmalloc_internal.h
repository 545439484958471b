/* SPDX-License-Identifier: MIT */
/*
 * What mm/kmalloc.c (the heap and its fast paths) and mm/kmalloc_debug.c (the
 * debug mode's header, poison and quarantine) share.
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
#define KCACHE_MAX 256 /* largest request the magazines serve */
void kcache_init(struct kheap *h);
/* A block for a request of 1..KCACHE_MAX bytes, or NULL (take the uncached path). */
void *kcache_alloc(size_t size);
/* 0: cached; 1: not a block the magazines take (use the locked path); -ENOTALLOC: cached already.
 */
int kcache_free(void *ptr);
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
