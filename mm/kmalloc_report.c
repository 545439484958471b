// SPDX-License-Identifier: MIT
/*
 * The kernel heap's errors and bookkeeping, apart from its allocation paths
 * (mm/kmalloc.c): error notes collected under the lock and delivered after it,
 * the classification of a pointer that is no live block, statistics, the
 * validator, the debug quarantine flush and the error names.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/string.h>

#include "kmalloc_internal.h"

void kheap_note(struct kheap *h, struct kheap_reports *r, enum kheap_error kind, void *ptr,
                void *caller)
{
	h->count.errors++;
	if (r->n < KHEAP_MAX_PENDING) {
		r->e[r->n].kind = kind;
		r->e[r->n].ptr = ptr;
		r->e[r->n].caller = caller;
		r->n++;
	}
}

/* Outside the lock: the kernel's hook panics, a test's hook may call back in. */
void kheap_deliver(struct kheap *h, const struct kheap_reports *r)
{
	if (!h->report)
		return;
	for (size_t i = 0; i < r->n; i++)
		h->report(h, r->e[i].kind, r->e[i].ptr, r->e[i].caller);
}

const struct kheap_region *kheap_region_of(const struct kheap *h, uintptr_t p, size_t before)
{
	for (size_t i = 0; i < h->nregions; i++) {
		const struct kheap_region *r = &h->regions[i];

		if (p >= r->base + before && p - r->base < r->size)
			return r;
	}
	return NULL;
}

int kheap_classify_bad(const struct kheap *h, const void *ptr, enum kheap_error *kind)
{
	if (!IS_ALIGNED((uintptr_t)ptr, KHEAP_MIN_ALIGN)) {
		*kind = KHEAP_ERR_MISALIGNED;
		return -EINVAL;
	}
	if (!kheap_region_of(h, (uintptr_t)ptr, 0)) {
		*kind = KHEAP_ERR_OUTSIDE;
		return -EFAULT;
	}
	*kind = KHEAP_ERR_NOT_LIVE;
	return -ENOTALLOC;
}

/* Outside debug mode `used` is the allocator's; its peak is sampled here. */
void kheap_sample_peak(struct kheap *h)
{
	struct byte_alloc_stats bs;

	if (h->flags & KHEAP_DEBUG)
		return;
	h->ops->stats(h->state, &bs);
	h->count.peak_used = MAX(h->count.peak_used, bs.used);
}

void kheap_stats(struct kheap *h, struct kheap_stats *st)
{
	struct byte_alloc_stats bs;
	size_t c_allocs, c_frees, c_blocks, c_bytes;

	memset(st, 0, sizeof(*st));
	if (!h || !h->ops)
		return;
	/* Magazine locks come before the heap lock (mm/kmalloc_pcache.c). */
	kcache_account(h, &c_allocs, &c_frees, &c_blocks, &c_bytes);
	spin_lock(&h->lock);
	kheap_sample_peak(h);
	h->ops->stats(h->state, &bs);
	*st = h->count;
	st->total_allocs += c_allocs;
	st->live_allocs = st->total_allocs - h->frees - c_frees;
	st->cached = c_bytes;
	st->cached_blocks = c_blocks;
	if (!(h->flags & KHEAP_DEBUG))
		st->used = st->requested = bs.used - c_bytes;
	st->total = bs.total;
	st->free = bs.available;
	st->largest_free = bs.largest_free;
	st->metadata = bs.metadata;
	spin_unlock(&h->lock);
}

static int validate_locked(struct kheap *h, char *why, size_t why_len)
{
	struct byte_alloc_stats bs;
	int err = h->ops->validate(h->state, why, why_len);

	if (err)
		return err;
	kheap_sample_peak(h);
	h->ops->stats(h->state, &bs);
	if (h->nregions == 0 || h->nregions > CONFIG_KHEAP_MAX_REGIONS ||
	    h->q_count > CONFIG_KHEAP_QUARANTINE || h->q_head >= CONFIG_KHEAP_QUARANTINE)
		return validate_failed(why, why_len,
		                       "kheap: region or quarantine index out of range");
	/*
	 * With per-hart magazines a block's alloc and free may be counted on either
	 * side, and blocks sit cached: the totals are only consistent at rest
	 * (kheap_stats), so this cross-check is for uncached heaps.
	 */
	if (!kcache_active(h) &&
	    (h->frees > h->count.total_allocs ||
	     (h->count.total_allocs == h->frees && !h->q_count && bs.used != 0)))
		return validate_failed(why, why_len, "kheap: counters inconsistent");
	if (!(h->flags & KHEAP_DEBUG))
		return 0;
	if (h->count.used + h->count.quarantined > bs.used)
		return validate_failed(why, why_len,
		                       "kheap: more bytes live than the allocator holds");
	return kheap_debug_validate(h, why, why_len);
}

int kheap_validate(struct kheap *h, char *why, size_t why_len)
{
	int err;

	if (!h || !h->ops)
		return validate_failed(why, why_len, "kheap: not initialised");
	err = kcache_validate(h, why, why_len);
	if (err)
		return err;
	spin_lock(&h->lock);
	err = validate_locked(h, why, why_len);
	spin_unlock(&h->lock);
	return err;
}

size_t kheap_flush_quarantine(struct kheap *h)
{
	struct kheap_reports r = {0};
	size_t before;

	spin_lock(&h->lock);
	before = h->count.errors;
	while (h->q_count)
		kheap_debug_quarantine_pop(h, &r);
	before = h->count.errors - before;
	spin_unlock(&h->lock);
	kheap_deliver(h, &r);
	return before;
}

void kheap_expect_errors(struct kheap *h, size_t n)
{
	spin_lock(&h->lock);
	h->expect_errors = n;
	spin_unlock(&h->lock);
}

bool kheap_error_expected(struct kheap *h)
{
	bool yes;

	spin_lock(&h->lock);
	yes = h->expect_errors > 0;
	if (yes)
		h->expect_errors--;
	spin_unlock(&h->lock);
	return yes;
}

const char *kheap_error_name(enum kheap_error kind)
{
	switch (kind) {
	case KHEAP_ERR_DOUBLE_FREE:
		return "double free";
	case KHEAP_ERR_BAD_MAGIC:
		return "invalid free (bad header)";
	case KHEAP_ERR_OUTSIDE:
		return "invalid free (outside the heap)";
	case KHEAP_ERR_MISALIGNED:
		return "invalid free (misaligned)";
	case KHEAP_ERR_POISON:
		return "write after free";
	case KHEAP_ERR_REJECTED:
		return "free rejected by the allocator";
	case KHEAP_ERR_NOT_LIVE:
		return "invalid or double free (not a live block)";
	}
	return "unknown heap error";
}
