// SPDX-License-Identifier: MIT
/*
 * Kernel heap growth: when the byte allocator runs dry, take a chunk from the
 * page source and add it as a region (mm/kmalloc.c's allocation paths call
 * kheap_take, which also drains the debug quarantine first).
 */
#include <bora/bitops.h>
#include <bora/errno.h>

#include "kmalloc_internal.h"

/* Smallest growth chunk, in pages (1..65536); larger requests round up to a power of two. */
#ifndef CONFIG_KHEAP_GROW_MIN_PAGES
#define CONFIG_KHEAP_GROW_MIN_PAGES 16
#endif

#if CONFIG_KHEAP_GROW_MIN_PAGES < 1 || CONFIG_KHEAP_GROW_MIN_PAGES > 65536
#error "CONFIG_KHEAP_GROW_MIN_PAGES must be 1..65536"
#endif

void kheap_set_page_source(struct kheap *h, const struct page_allocator_ops *ops, void *page_state)
{
	spin_lock(&h->lock);
	h->page_ops = ops;
	h->page_state = page_state;
	spin_unlock(&h->lock);
}

/*
 * Add a region from the page source big enough for `bytes` at `align`.
 * Buddy-style allocators only hand out the largest aligned power-of-two block
 * of a region and keep metadata in it, so the chunk is a power of two at least
 * twice the aligned request, itself aligned to its size when possible. Growth is
 * geometric (each chunk at least the size of everything managed so far) so a
 * fixed number of regions covers a heap that doubles many times; when that much
 * is not free, the smallest chunk that meets the request is tried instead.
 */
static int try_grow(struct kheap *h, size_t bytes)
{
	size_t pages = bytes >> PAGE_SHIFT;
	uintptr_t addr;
	int err;

	err = h->page_ops->alloc_pages(h->page_state, pages,
	                               is_power_of_2(bytes) ? bytes : PAGE_SIZE, &addr);
	if (err)
		err = h->page_ops->alloc_pages(h->page_state, pages, PAGE_SIZE, &addr);
	if (err)
		return -ENOMEM;
	err = h->ops->add_region(h->state, (void *)addr, bytes);
	if (err) {
		h->page_ops->free_pages(h->page_state, addr, pages);
		return -ENOMEM;
	}
	h->regions[h->nregions].base = addr;
	h->regions[h->nregions].size = bytes;
	h->nregions++;
	h->count.regions_added++;
	return 0;
}

static int grow(struct kheap *h, size_t gross, size_t align)
{
	size_t need, managed = 0;

	if (!h->page_ops || !h->ops->add_region || h->nregions == CONFIG_KHEAP_MAX_REGIONS ||
	    align > (SIZE_MAX >> 3) || gross > (SIZE_MAX >> 3) - align)
		return -ENOMEM;
	kheap_sample_peak(h);
	need = MAX((size_t)roundup_pow2(2 * (gross + align)),
	           (size_t)CONFIG_KHEAP_GROW_MIN_PAGES << PAGE_SHIFT);
	for (size_t i = 0; i < h->nregions; i++)
		managed += h->regions[i].size;
	managed = (size_t)roundup_pow2(managed);
	if (managed > need && managed <= (SIZE_MAX >> 3) && try_grow(h, managed) == 0)
		return 0;
	return try_grow(h, need);
}

int kheap_take(struct kheap *h, size_t gross, size_t align, void **block, struct kheap_reports *r)
{
	int err = h->ops->alloc(h->state, gross, align, block);

	if (err == -ENOMEM && h->q_count) {
		while (h->q_count)
			kheap_debug_quarantine_pop(h, r);
		err = h->ops->alloc(h->state, gross, align, block);
	}
	if (err == -ENOMEM && grow(h, gross, align) == 0)
		err = h->ops->alloc(h->state, gross, align, block);
	return err;
}
