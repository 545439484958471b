/* SPDX-License-Identifier: MIT */
/*
 * Physical frames: the kernel's page allocator (the bitmap page allocator over
 * free RAM). Addresses are kernel virtual (linear map) addresses of the frames;
 * use virt_to_phys() for the physical frame number.
 */
#ifndef BORA_FRAME_H
#define BORA_FRAME_H

#include <bora/alloc.h>

/* count frames aligned to `align` bytes (a power of two >= PAGE_SIZE); 0 or -ENOMEM. */
int frame_alloc(size_t count, size_t align, uintptr_t *va);
int frame_free(uintptr_t va, size_t count);
/*
 * With CONFIG_PERCPU_CACHE single frames (count 1, align PAGE_SIZE) come from
 * and go to per-hart magazines; st->cached_pages says how many are parked
 * there (counted as available). A frame_free of a frame that is cached already
 * is -ENOTALLOC, as for any frame not allocated.
 */
void frame_stats(struct page_alloc_stats *st);
/* Give every hart's cached frames back to the zones; how many. frame_alloc does it on -ENOMEM. */
size_t frame_drain_caches(void);
/*
 * Turn the frame magazines off (draining them) or back on at run time, as
 * kheap_set_caches; only while no other hart allocates or frees frames.
 * 0, or -ENOTSUP without CONFIG_PERCPU_CACHE.
 */
int frame_set_caches(bool on);
int frame_validate(char *why, size_t why_len);
/* The page allocator behind frame_alloc, for kmalloc's heap growth; NULL before init. */
const struct page_allocator_ops *frame_allocator_ops(void);
void *frame_allocator_state(void);

#endif
