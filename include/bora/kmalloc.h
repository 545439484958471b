/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap: a byte allocator (any struct byte_allocator_ops) behind a
 * spinlock, with growth from a page allocator, statistics and a debug mode.
 *
 * No header of kmalloc's own: a block is exactly what the byte allocator
 * returned, and kfree asks the allocator for the block's usable size
 * (ops->usable_size, O(1)) and frees that (alloc.h's contract). Outside debug
 * mode kmalloc adds a flag test, the lock and a counter to each call (see
 * docs/benchmarks.md for the count). Pointers are 8-byte aligned at least
 * (KHEAP_MIN_ALIGN, as Linux's kmalloc and Zephyr's k_malloc give on 64-bit);
 * kmalloc_aligned asks for more.
 *
 * Debug mode (KHEAP_DEBUG, the kernel's CONFIG_ALLOC_DEBUG) puts a 32-byte room
 * in front of each payload: 16 bytes the allocator may scribble on while the
 * block is free, then a header binding a magic to pointer, size and alignment,
 * so double frees, foreign pointers and overwritten headers are told apart and
 * freed blocks are poisoned and quarantined (mm/kmalloc_debug.c).
 *
 * kmalloc(0) returns NULL (like Zephyr's k_malloc(0)); kfree(NULL) does
 * nothing; krealloc(p, 0) frees p and returns NULL; krealloc(NULL, n) is
 * kmalloc(n). A block krealloc moves keeps its alignment in debug mode, and
 * otherwise the alignment its address has up to PAGE_SIZE (no record of the
 * requested one is kept). Running out of memory returns NULL, never panics.
 *
 * Invalid frees never change the heap. kheap_free returns:
 *   -EINVAL     pointer not 8-byte aligned (KHEAP_ERR_MISALIGNED)
 *   -EFAULT     pointer outside every heap region (KHEAP_ERR_OUTSIDE)
 *   -ENOTALLOC  not a live block: never handed out, interior, or already freed
 *               (KHEAP_ERR_NOT_LIVE); in debug mode told apart as
 *               -ENOTALLOC for a block already freed (KHEAP_ERR_DOUBLE_FREE)
 *               and -ECORRUPT for anything else (KHEAP_ERR_BAD_MAGIC)
 * Outside debug mode "not a live block" is the byte allocator's O(1) header
 * check (probabilistic for interior pointers, see the allocator's header), and
 * with CONFIG_PERCPU_CACHE a block already in a per-hart magazine is a double
 * free (KHEAP_ERR_DOUBLE_FREE). Each error is also passed to h->report, after
 * the lock is dropped; the kernel's hook names the cause and the caller and,
 * in debug mode, panics unless a test has asked to see errors instead
 * (kheap_expect_errors). Set h->report after
 * kheap_init(), which clears the whole struct.
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
#define KHEAP_MIN_ALIGN 8    /* every kmalloc pointer is at least this aligned */
#define KHEAP_POISON    0x6b /* fill of freed payloads in debug mode */

enum kheap_error {
	KHEAP_ERR_DOUBLE_FREE = 1,
	KHEAP_ERR_BAD_MAGIC,
	KHEAP_ERR_OUTSIDE,
	KHEAP_ERR_MISALIGNED,
	KHEAP_ERR_POISON,   /* a quarantined block was written after its free */
	KHEAP_ERR_REJECTED, /* the header was sound but the byte allocator refused the free */
	KHEAP_ERR_NOT_LIVE, /* outside debug mode: the allocator says it is no live block */
};

struct kheap;
typedef void (*kheap_report_fn)(struct kheap *h, enum kheap_error kind, void *ptr, void *caller);

struct kheap_stats {
	size_t total;         /* bytes of all regions, allocator metadata included */
	size_t used;          /* bytes the allocator holds for live blocks (debug: + room) */
	size_t free;          /* bytes the byte allocator reports available */
	size_t peak_used;     /* high-water mark of used (outside debug mode: as sampled
	                       * by kheap_stats, kheap_validate and heap growth) */
	size_t largest_free;  /* largest block the byte allocator could return now */
	size_t requested;     /* payload bytes of live blocks (outside debug mode, where
	                       * no size is kept: their usable bytes, = used) */
	size_t quarantined;   /* bytes freed but held back (debug mode) */
	size_t cached;        /* usable bytes of freed blocks in the per-hart magazines
	                       * (CONFIG_PERCPU_CACHE): not in used, not in free; a
	                       * cached block an aligned request padded (bitmap buddy)
	                       * leaves its padding in used until the cache drains */
	size_t cached_blocks; /* how many blocks those are */
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
	bool fast; /* initialised and not in debug mode: kmalloc's fast path applies */
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
	size_t frees;         /* successful frees; live_allocs = total_allocs - frees */
	size_t expect_errors; /* debug mode: errors a test provokes on purpose, reported
	                       * to it (kheap_expect_errors) instead of panicking */
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
/*
 * Give the blocks cached in per-hart magazines back to the byte allocator
 * (CONFIG_PERCPU_CACHE, the kernel heap only); returns how many. An allocation
 * that would fail does this first by itself.
 */
size_t kheap_drain_caches(struct kheap *h);
/*
 * Turn h's per-hart magazines off (draining them) or back on at run time: the
 * shared-lock baseline of the SMP benchmark (tests/kernel/test_bench_smp.c).
 * Only while no other hart allocates from or frees to h. 0, or -ENOTSUP when
 * no magazines stand in front of h (CONFIG_PERCPU_CACHE off, a debug heap).
 */
int kheap_set_caches(struct kheap *h, bool on);
/*
 * Bytes usable at a live block: what it was asked for in debug mode, the
 * allocator's usable size (>= that) otherwise; 0 for anything else.
 */
size_t kheap_usable_size(struct kheap *h, const void *ptr);
void kheap_stats(struct kheap *h, struct kheap_stats *st);
/* Byte allocator, counters and quarantined blocks (header and poison intact). */
int kheap_validate(struct kheap *h, char *why, size_t why_len);
/* Release every quarantined block, checking its poison; returns violations found. */
size_t kheap_flush_quarantine(struct kheap *h);
const char *kheap_error_name(enum kheap_error kind);
/*
 * Debug mode: the next n errors are provoked on purpose (a test freeing a bad
 * pointer); h->report still sees them but a hook may use kheap_error_expected()
 * to let them pass instead of panicking. 0 turns it off.
 */
void kheap_expect_errors(struct kheap *h, size_t n);
/* For a report hook: consumes one expected error; false when none was expected. */
bool kheap_error_expected(struct kheap *h);

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
