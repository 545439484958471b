/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap: a byte allocator (any struct byte_allocator_ops) behind a
 * spinlock, with a header in front of every block so free() needs only the
 * pointer, growth from a page allocator, statistics and a debug mode.
 *
 * Block layout: [slack][struct kmalloc_hdr][payload...]. The byte allocator
 * is asked for (room + size) bytes aligned to max(align, 16), where room is
 * max(align, 16) (32 in debug mode) so the payload keeps the alignment and
 * the header sits right before it. In debug mode the first 16 bytes of the
 * room are never written by kmalloc: free-list links an allocator keeps in a
 * freed block land there, and the header survives for double-free detection.
 *
 * kmalloc(0) returns NULL (like Zephyr's k_malloc(0)); kfree(NULL) does
 * nothing; krealloc(p, 0) frees p and returns NULL; krealloc(NULL, n) is
 * kmalloc(n). Running out of memory returns NULL, never panics.
 *
 * Invalid frees never touch the allocator. kheap_free returns:
 *   -EINVAL     pointer not 16-byte aligned (KHEAP_ERR_MISALIGNED)
 *   -EFAULT     pointer outside every heap region (KHEAP_ERR_OUTSIDE)
 *   -ECORRUPT   no valid header in front of it: an interior pointer, one never
 *               handed out, or an overwritten header (KHEAP_ERR_BAD_MAGIC)
 *   -ENOTALLOC  the header says the block was already freed (KHEAP_ERR_DOUBLE_FREE)
 * In debug mode (KHEAP_DEBUG) each error is also passed to h->report, after
 * the lock is dropped; the kernel's hook panics with the caller address. Set
 * h->report after kheap_init(), which clears the whole struct.
 */
#ifndef BORA_KMALLOC_H
#define BORA_KMALLOC_H

#include <bora/alloc.h>
#include <bora/spinlock.h>

/* Heap regions one kheap tracks: the initial heap plus growth chunks (1..256). */
#ifndef CONFIG_KHEAP_MAX_REGIONS
#define CONFIG_KHEAP_MAX_REGIONS 16
#endif
/* Freed blocks held back, poisoned, in debug mode before reuse (1..256). */
#ifndef CONFIG_KHEAP_QUARANTINE
#define CONFIG_KHEAP_QUARANTINE 8
#endif

#define KHEAP_DEBUG     0x1u /* poison, quarantine, report errors through h->report */
#define KHEAP_MIN_ALIGN 16   /* every kmalloc pointer is at least this aligned */
#define KHEAP_POISON    0x6b /* fill of freed payloads in debug mode */

enum kheap_error {
	KHEAP_ERR_DOUBLE_FREE = 1,
	KHEAP_ERR_BAD_MAGIC,
	KHEAP_ERR_OUTSIDE,
	KHEAP_ERR_MISALIGNED,
	KHEAP_ERR_POISON,   /* a quarantined block was written after its free */
	KHEAP_ERR_REJECTED, /* the header was sound but the byte allocator refused the free */
};

struct kheap;
typedef void (*kheap_report_fn)(struct kheap *h, enum kheap_error kind, void *ptr, void *caller);

struct kheap_stats {
	size_t total;         /* bytes of all regions, allocator metadata included */
	size_t used;          /* live blocks: payload + header + alignment room */
	size_t free;          /* bytes the byte allocator reports available */
	size_t peak_used;     /* high-water mark of used */
	size_t largest_free;  /* largest block the byte allocator could return now */
	size_t requested;     /* payload bytes of live blocks */
	size_t quarantined;   /* bytes freed but held back (debug mode) */
	size_t metadata;      /* byte allocator bookkeeping */
	size_t live_allocs;   /* blocks handed out and not freed */
	size_t total_allocs;  /* successful allocations since init */
	size_t failed_allocs; /* allocations that returned NULL (kmalloc(0) excluded) */
	size_t regions_added; /* growth regions taken from the page source */
	size_t errors;        /* invalid or double frees and poison violations seen */
};

struct kheap_region {
	uintptr_t base;
	size_t size;
};

struct kheap_quarantined {
	void *ptr;
	void *caller; /* who freed it, for the poison report */
	size_t size;
	unsigned int align_shift;
};

struct kheap {
	spinlock_t lock;
	const struct byte_allocator_ops *ops;
	void *state;
	unsigned int flags;
	const struct page_allocator_ops *page_ops;
	void *page_state;
	kheap_report_fn report; /* debug mode only; called without the lock held */
	void *report_arg;       /* for the hook's own use */
	size_t nregions;
	struct kheap_region regions[CONFIG_KHEAP_MAX_REGIONS];
	size_t q_head, q_count;
	struct kheap_quarantined quarantine[CONFIG_KHEAP_QUARANTINE];
	/* Counters; the allocator-derived fields are filled in by kheap_stats(). */
	struct kheap_stats count;
};

int kheap_init(struct kheap *h, const struct byte_allocator_ops *ops, void *state, void *heap,
               size_t size, unsigned int flags);
/* Where to take pages from when the heap runs dry; NULL ops turns growth off. */
void kheap_set_page_source(struct kheap *h, const struct page_allocator_ops *ops, void *page_state);
/* align 0 or 1 means KHEAP_MIN_ALIGN; otherwise a power of two. */
void *kheap_alloc(struct kheap *h, size_t size, size_t align);
int kheap_free(struct kheap *h, void *ptr, void *caller);
void *kheap_realloc(struct kheap *h, void *ptr, size_t size, void *caller);
/* Payload bytes of a live block, 0 for anything else. */
size_t kheap_usable_size(struct kheap *h, const void *ptr);
void kheap_stats(struct kheap *h, struct kheap_stats *st);
/* Byte allocator, counters and quarantined blocks (header and poison intact). */
int kheap_validate(struct kheap *h, char *why, size_t why_len);
/* Release every quarantined block, checking its poison; returns violations found. */
size_t kheap_flush_quarantine(struct kheap *h);
const char *kheap_error_name(enum kheap_error kind);

/*
 * The kernel heap. `state` (ops->state_size bytes, 16-aligned) may be NULL:
 * it is then carved from the start of the heap.
 */
int kmalloc_init_heap(const struct byte_allocator_ops *ops, void *state, void *heap, size_t size,
                      unsigned int flags);
struct kheap *kmalloc_heap(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);
void *krealloc(void *ptr, size_t size);
void kfree(void *ptr);

#endif
