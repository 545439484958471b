// SPDX-License-Identifier: MIT
/*
 * Kernel heap front end: init and the allocation paths; include/bora/kmalloc.h
 * gives the contract, mm/kmalloc_grow.c heap growth, mm/kmalloc_report.c the
 * error reports, statistics and validator, mm/kmalloc_debug.c the debug mode's
 * header, poison and quarantine, mm/kmalloc_pcache.c the per-hart magazines.
 *
 * Outside debug mode a block is exactly what the byte allocator returned:
 * kheap_alloc is the lock, one allocator call and a counter; kheap_free is the
 * lock and one free_block call (the allocator finds the size from the block).
 * Everything else -- heap growth, failures, bad pointers, aligned requests,
 * debug mode -- leaves the fast paths for out-of-line functions.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/string.h>

#include "kmalloc_internal.h"

#if CONFIG_KHEAP_MAX_REGIONS < 1 || CONFIG_KHEAP_MAX_REGIONS > 256
#error "CONFIG_KHEAP_MAX_REGIONS must be 1..256"
#endif
#if CONFIG_KHEAP_QUARANTINE < 1 || CONFIG_KHEAP_QUARANTINE > 256
#error "CONFIG_KHEAP_QUARANTINE must be 1..256"
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

int kheap_init(struct kheap *h, const struct byte_allocator_ops *ops, void *state, void *heap,
               size_t size, unsigned int flags)
{
	int err;

	if (!h || !ops || !state || !heap || size == 0 || (flags & ~KHEAP_DEBUG) || !ops->init ||
	    !ops->alloc || !ops->free || !ops->usable_size || !ops->free_block || !ops->stats ||
	    !ops->validate)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	spin_lock_init(&h->lock);
	h->ops = ops;
	h->state = state;
	h->flags = flags;
	err = ops->init(state, heap, size);
	if (err) {
		h->ops = NULL;
		return err;
	}
	h->regions[0].base = (uintptr_t)heap;
	h->regions[0].size = size;
	h->nregions = 1;
	h->fast = !(flags & KHEAP_DEBUG);
	return 0;
}

/*
 * Everything kheap_alloc's fast path does not do: alignment, debug mode, growth
 * and failures. count_failure: a NULL here is what the caller gets
 * (failed_allocs counts those).
 */
static __attribute__((noinline)) void *alloc_slow(struct kheap *h, size_t size, size_t align,
                                                  bool count_failure)
{
	struct kheap_reports r = {0};
	void *p = NULL;

	if (!h || !h->ops || size == 0)
		return NULL;
	spin_lock(&h->lock);
	if (align <= 1 || (is_power_of_2(align) && ilog2_u64(align) <= KHEAP_MAX_SHIFT)) {
		if (h->flags & KHEAP_DEBUG) {
			align = MAX(align, (size_t)KHEAP_MIN_ALIGN);
			p = kheap_debug_alloc(h, size, (unsigned int)ilog2_u64(align), &r);
		} else if (kheap_take(h, size, align <= 1 ? 1 : align, &p, &r) == 0) {
			h->count.total_allocs++;
		} else {
			p = NULL;
		}
	}
	spin_unlock(&h->lock);
	kheap_deliver(h, &r);
	/* Memory parked in other harts' magazines is free memory: take it back and retry once. */
	if (!p && !(h->flags & KHEAP_DEBUG) && kcache_drain(h))
		return alloc_slow(h, size, align, count_failure);
	if (!p && count_failure) {
		spin_lock(&h->lock);
		h->count.failed_allocs++;
		spin_unlock(&h->lock);
	}
	return p;
}

/* The fast path: one allocator call under the lock (align 0 or 1 only). */
static inline __attribute__((always_inline)) void *alloc_fast(struct kheap *h, size_t size)
{
	void *p;

	if (unlikely(!h->fast))
		return alloc_slow(h, size, 0, true);
	spin_lock(&h->lock);
	if (unlikely(h->ops->alloc(h->state, size, 1, &p))) {
		spin_unlock(&h->lock);
		return alloc_slow(h, size, 0, true);
	}
	h->count.total_allocs++;
	spin_unlock(&h->lock);
	return p;
}

void *kheap_alloc(struct kheap *h, size_t size, size_t align)
{
	if (unlikely(!h || align > 1))
		return alloc_slow(h, size, align, true);
	return alloc_fast(h, size);
}

/* A free the fast path could not finish: debug mode, or no live block at ptr. */
static __attribute__((noinline)) int free_slow(struct kheap *h, void *ptr, void *caller)
{
	struct kheap_reports r = {0};
	enum kheap_error kind;
	size_t size;
	int err;

	if (!h || !h->ops)
		return -EINVAL;
	spin_lock(&h->lock);
	if (h->flags & KHEAP_DEBUG) {
		err = kheap_debug_free(h, ptr, caller, &r);
	} else {
		size = h->ops->usable_size(h->state, ptr);
		if (!size) {
			err = kheap_classify_bad(h, ptr, &kind);
			kheap_note(h, &r, kind, ptr, caller);
		} else if (kcache_holds(h, ptr, size)) {
			err = -ENOTALLOC;
			kheap_note(h, &r, KHEAP_ERR_DOUBLE_FREE, ptr, caller);
		} else {
			err = h->ops->free(h->state, ptr, size, 1);
			if (err)
				kheap_note(h, &r, KHEAP_ERR_REJECTED, ptr, caller);
			else
				h->frees++;
		}
	}
	spin_unlock(&h->lock);
	kheap_deliver(h, &r);
	return err;
}

/*
 * One allocator call frees the block whatever its size. With magazines in
 * front, kcache_free has already taken every block they could hold (usable
 * size 16..511) or refused it as cached, so what gets here is in no magazine.
 */
static inline __attribute__((always_inline)) int free_fast(struct kheap *h, void *ptr, void *caller)
{
	if (unlikely(!h->fast))
		return free_slow(h, ptr, caller);
	spin_lock(&h->lock);
	if (unlikely(h->ops->free_block(h->state, ptr))) {
		spin_unlock(&h->lock);
		return free_slow(h, ptr, caller);
	}
	h->frees++;
	spin_unlock(&h->lock);
	return 0;
}

#ifdef CONFIG_PERCPU_CACHE
/* A free the per-hart magazines refused: the block is cached already. */
static __attribute__((noinline, cold)) void cached_double_free(struct kheap *h, void *ptr,
                                                               void *caller)
{
	struct kheap_reports r = {0};

	spin_lock(&h->lock);
	kheap_note(h, &r, KHEAP_ERR_DOUBLE_FREE, ptr, caller);
	spin_unlock(&h->lock);
	kheap_deliver(h, &r);
}
#endif

int kheap_free(struct kheap *h, void *ptr, void *caller)
{
	if (!ptr)
		return 0;
	if (unlikely(!h))
		return -EINVAL;
#ifdef CONFIG_PERCPU_CACHE
	if (kcache_active(h)) {
		int c = kcache_free(ptr);

		if (c <= 0) {
			if (c < 0)
				cached_double_free(h, ptr, caller);
			return c;
		}
	}
#endif
	return free_fast(h, ptr, caller);
}

/* 0 and the block's size and alignment shift, or the error a free would give. */
static int lookup_locked(struct kheap *h, const void *ptr, size_t *size, unsigned int *shift,
                         enum kheap_error *kind)
{
	if (h->flags & KHEAP_DEBUG)
		return kheap_debug_check(h, ptr, size, shift, kind);
	*size = h->ops->usable_size(h->state, ptr);
	/*
	 * No record of the alignment asked for: a moved block keeps the one its
	 * address has, up to a page (more would be luck, not a request, mostly).
	 */
	*shift = (unsigned int)MIN(ctz64((uintptr_t)ptr | PAGE_SIZE), PAGE_SHIFT);
	if (*size && kcache_holds(h, ptr, *size)) {
		*kind = KHEAP_ERR_DOUBLE_FREE; /* freed into a magazine: used after its free */
		return -ENOTALLOC;
	}
	return *size ? 0 : kheap_classify_bad(h, ptr, kind);
}

static int resize_locked(struct kheap *h, void *ptr, size_t old, size_t size, unsigned int shift)
{
	if (h->flags & KHEAP_DEBUG)
		return kheap_debug_resize(h, ptr, old, size, shift);
	if (!h->ops->resize_in_place)
		return -ENOTSUP;
	return h->ops->resize_in_place(h->state, ptr, old, size, 1);
}

void *kheap_realloc(struct kheap *h, void *ptr, size_t size, void *caller)
{
	struct kheap_reports r = {0};
	enum kheap_error kind;
	unsigned int shift;
	size_t old;
	void *moved;
	int err;

	if (!ptr)
		return kheap_alloc(h, size, 0);
	if (size == 0) {
		kheap_free(h, ptr, caller);
		return NULL;
	}
	if (!h || !h->ops)
		return NULL;
	spin_lock(&h->lock);
	err = lookup_locked(h, ptr, &old, &shift, &kind);
	if (err) {
		kheap_note(h, &r, kind, ptr, caller);
		spin_unlock(&h->lock);
		kheap_deliver(h, &r);
		return NULL;
	}
	err = resize_locked(h, ptr, old, size, shift);
	spin_unlock(&h->lock);
	if (!err)
		return ptr;

	/* A shrink that cannot move keeps the block, so only a failed grow is a failure. */
	moved = alloc_slow(h, size, (size_t)1 << shift, size > old);
	if (!moved)
		return size <= old ? ptr : NULL;
	memcpy(moved, ptr, MIN(old, size));
	kheap_free(h, ptr, caller);
	return moved;
}

size_t kheap_usable_size(struct kheap *h, const void *ptr)
{
	enum kheap_error kind;
	unsigned int shift;
	size_t size = 0;

	if (!h || !h->ops || !ptr)
		return 0;
	spin_lock(&h->lock);
	if (lookup_locked(h, ptr, &size, &shift, &kind))
		size = 0;
	spin_unlock(&h->lock);
	return size;
}

size_t kheap_drain_caches(struct kheap *h)
{
	return h ? kcache_drain(h) : 0;
}

/* ---- the kernel heap ----------------------------------------------------- */

static struct kheap kernel_heap;

int kmalloc_init_heap(const struct byte_allocator_ops *ops, void *state, void *heap, size_t size,
                      unsigned int flags)
{
	int err;

	if (!ops || !heap)
		return -EINVAL;
	if (!state) {
		uintptr_t start = ALIGN_UP((uintptr_t)heap, 16);
		size_t carve = (start - (uintptr_t)heap) + ALIGN_UP(ops->state_size, 16);

		if (size <= carve)
			return -EINVAL;
		state = (void *)start;
		heap = (char *)heap + carve;
		size -= carve;
	}
	err = kheap_init(&kernel_heap, ops, state, heap, size, flags);
#ifdef CONFIG_PERCPU_CACHE
	if (!err)
		kcache_init(&kernel_heap);
#endif
	return err;
}

struct kheap *kmalloc_heap(void)
{
	return &kernel_heap;
}

/*
 * kmalloc's and kfree's own fast paths carry no frame of their own (the
 * magazine path makes no call but a tail call on a hit), so they cost what
 * their work costs; a backtrace through them still walks the caller's frames.
 */
#define KMALLOC_FAST __attribute__((optimize("omit-frame-pointer")))

#ifdef CONFIG_PERCPU_CACHE
/*
 * What kmalloc's hit path could not serve, out of line so that path needs no
 * frame: a magazine miss (refill it) or a size it does not cache.
 */
static __attribute__((noinline)) void *kmalloc_miss(size_t size)
{
	if (size - 1 < KCACHE_MAX) {
		void *p = kcache_alloc(size, true);

		if (p)
			return p;
	}
	return alloc_fast(&kernel_heap, size);
}

KMALLOC_FAST void *kmalloc(size_t size)
{
	if (likely(size - 1 < KCACHE_MAX)) {
		void *p = kcache_alloc(size, false);

		if (likely(p))
			return p;
	}
	return kmalloc_miss(size);
}
#else
void *kmalloc(size_t size)
{
	return alloc_fast(&kernel_heap, size);
}
#endif

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	return kheap_alloc(&kernel_heap, size, align);
}

/* noinline: the return address must be the caller's, even under LTO. */
__attribute__((noinline)) void *krealloc(void *ptr, size_t size)
{
	return kheap_realloc(&kernel_heap, ptr, size, __builtin_return_address(0));
}

/*
 * free_fast spelled out on the kernel heap: the heap is a constant address and
 * the caller is only looked up on the way to free_slow, so nothing but ptr has
 * to survive the allocator calls.
 */
static inline __attribute__((always_inline)) void kfree_locked(void *ptr, void *caller)
{
	struct kheap *h = &kernel_heap;

	if (likely(h->fast)) {
		spin_lock(&h->lock);
		if (likely(!h->ops->free_block(h->state, ptr))) {
			h->frees++;
			spin_unlock(&h->lock);
			return;
		}
		spin_unlock(&h->lock);
	}
	free_slow(h, ptr, caller);
}

#ifdef CONFIG_PERCPU_CACHE
/* What the magazines did not take: c is kcache_free's answer (1 or -ENOTALLOC). */
static __attribute__((noinline)) void kfree_uncached(void *ptr, int c, void *caller)
{
	if (c < 0)
		cached_double_free(&kernel_heap, ptr, caller);
	else
		kfree_locked(ptr, caller);
}

/* noinline: the return address must be the caller's, even under LTO. */
__attribute__((noinline)) KMALLOC_FAST void kfree(void *ptr)
{
	int c;

	if (unlikely(!ptr))
		return;
	c = kcache_free(ptr);
	if (likely(c == 0))
		return;
	kfree_uncached(ptr, c, __builtin_return_address(0));
}
#else
/* noinline: the return address must be the caller's, even under LTO. */
__attribute__((noinline)) void kfree(void *ptr)
{
	if (!ptr)
		return;
	kfree_locked(ptr, __builtin_return_address(0));
}
#endif
