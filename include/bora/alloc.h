/* SPDX-License-Identifier: MIT */
/*
 * The three allocator interfaces of the memory framework (design brief, "Memory
 * allocation framework"): byte-granular, page-granular and unique-id allocators.
 *
 * Each algorithm has a concrete state struct in its own header (struct tlsf,
 * struct buddy, ...) and functions named after it (tlsf_alloc, ...). It also
 * exports one ops table here so that code which should not care which algorithm
 * the build chose (kmalloc, the host conformance suites, the benchmarks) can
 * drive any of them. `state` points at caller-provided storage of `state_size`
 * bytes, aligned to 16; algorithms whose metadata grows with the managed size
 * carve it from the managed region and report it as metadata.
 *
 * Every operation returns 0 or a negative error from <bora/errno.h>:
 *   -EINVAL     bad argument (zero/huge size, alignment not a power of two, ...)
 *   -EOVERLAP   add_region/init with a region overlapping a managed one
 *   -ENOMEM     the request is valid but cannot be met now
 *   -ENOTALLOC  free of something never handed out, or already freed
 *   -ECORRUPT   validate() found a broken invariant
 * No input makes an algorithm crash or corrupt its own state.
 */
#ifndef BORA_ALLOC_H
#define BORA_ALLOC_H

#include <bora/types.h>

/* ---- byte allocator ------------------------------------------------------ */

struct byte_alloc_stats {
	size_t total;        /* bytes of all managed regions, metadata included */
	size_t used;         /* bytes in live allocations, as the algorithm rounded them */
	size_t available;    /* total - used - metadata */
	size_t metadata;     /* bytes of bookkeeping (headers, trees, bitmaps) */
	size_t largest_free; /* largest size one alloc(size, 1) could return now */
};

struct byte_allocator_ops {
	const char *name;
	size_t state_size;
	/* Take [base, base + size) as the first region. */
	int (*init)(void *state, void *base, size_t size);
	/* Add another disjoint region (heap growth). -ENOTSUP if the algorithm cannot. */
	int (*add_region)(void *state, void *base, size_t size);
	/* size >= 1; align a power of two (1 means "natural"); *out set on success only. */
	int (*alloc)(void *state, size_t size, size_t align, void **out);
	/* size and align as passed to alloc. */
	int (*free)(void *state, void *ptr, size_t size, size_t align);
	/*
	 * Change the size of a live block without moving it. -ENOMEM when the
	 * neighbourhood does not allow it, -ENOTSUP when the algorithm never can.
	 */
	int (*resize_in_place)(void *state, void *ptr, size_t old_size, size_t new_size,
	                       size_t align);
	/*
	 * Usable bytes of the live block at `ptr` (a pointer alloc returned and free
	 * has not taken back): at least the size it was allocated, or last resized,
	 * with. 0 when ptr is not a live block; the check is the algorithm's cheap one
	 * (what its free() checks outside CONFIG_ALLOC_DEBUG). O(1) in the number of
	 * blocks: no list or heap walk. Callers that keep no size of their own
	 * (kmalloc) free with free(ptr, usable_size(ptr), 1), so every algorithm
	 * accepts exactly that call for a live block, whatever alignment the block
	 * was allocated with.
	 */
	size_t (*usable_size)(const void *state, const void *ptr);
	/*
	 * Free the live block at ptr, whatever size and alignment it was allocated
	 * with: what free(ptr, usable_size(ptr), 1) does, in one call and with one
	 * pointer check (kfree's fast path). -ENOTALLOC when ptr is no live block.
	 */
	int (*free_block)(void *state, void *ptr);
	void (*stats)(const void *state, struct byte_alloc_stats *st);
	/* Walk all state; 0, or -ECORRUPT with the first broken invariant in `why`. */
	int (*validate)(const void *state, char *why, size_t why_len);
};

/*
 * Defines `const struct byte_allocator_ops <alg>_byte_ops` over an algorithm's
 * typed functions <alg>_add_region, _alloc, _free, _resize_in_place, _usable_size,
 * _free_block, _stats and _validate (each taking `struct <alg> *` first) plus `init_fn`. The
 * generated wrappers only turn the table's `void *` state back into `struct <alg> *`.
 */
#define DEFINE_BYTE_ALLOCATOR_OPS(alg, init_fn)                                                    \
	static int alg##_ops_init(void *s, void *base, size_t size)                                \
	{                                                                                          \
		return init_fn(s, base, size);                                                     \
	}                                                                                          \
	static int alg##_ops_add_region(void *s, void *base, size_t size)                          \
	{                                                                                          \
		return alg##_add_region(s, base, size);                                            \
	}                                                                                          \
	static int alg##_ops_alloc(void *s, size_t size, size_t align, void **out)                 \
	{                                                                                          \
		return alg##_alloc(s, size, align, out);                                           \
	}                                                                                          \
	static int alg##_ops_free(void *s, void *ptr, size_t size, size_t align)                   \
	{                                                                                          \
		return alg##_free(s, ptr, size, align);                                            \
	}                                                                                          \
	static int alg##_ops_resize(void *s, void *ptr, size_t old_size, size_t new_size,          \
	                            size_t align)                                                  \
	{                                                                                          \
		return alg##_resize_in_place(s, ptr, old_size, new_size, align);                   \
	}                                                                                          \
	static size_t alg##_ops_usable_size(const void *s, const void *ptr)                        \
	{                                                                                          \
		return alg##_usable_size(s, ptr);                                                  \
	}                                                                                          \
	static int alg##_ops_free_block(void *s, void *ptr)                                        \
	{                                                                                          \
		return alg##_free_block(s, ptr);                                                   \
	}                                                                                          \
	static void alg##_ops_stats(const void *s, struct byte_alloc_stats *st)                    \
	{                                                                                          \
		alg##_stats(s, st);                                                                \
	}                                                                                          \
	static int alg##_ops_validate(const void *s, char *why, size_t why_len)                    \
	{                                                                                          \
		return alg##_validate(s, why, why_len);                                            \
	}                                                                                          \
	const struct byte_allocator_ops alg##_byte_ops = {                                         \
	    .name = #alg,                                                                          \
	    .state_size = sizeof(struct alg),                                                      \
	    .init = alg##_ops_init,                                                                \
	    .add_region = alg##_ops_add_region,                                                    \
	    .alloc = alg##_ops_alloc,                                                              \
	    .free = alg##_ops_free,                                                                \
	    .resize_in_place = alg##_ops_resize,                                                   \
	    .usable_size = alg##_ops_usable_size,                                                  \
	    .free_block = alg##_ops_free_block,                                                    \
	    .stats = alg##_ops_stats,                                                              \
	    .validate = alg##_ops_validate,                                                        \
	}

extern const struct byte_allocator_ops tlsf_byte_ops;
extern const struct byte_allocator_ops buddy_byte_ops;
extern const struct byte_allocator_ops bitmap_buddy_byte_ops;
extern const struct byte_allocator_ops slab_byte_ops;

/* ---- page allocator ------------------------------------------------------ */

struct page_alloc_stats {
	size_t total_pages;     /* pages in the managed range(s), metadata included */
	size_t used_pages;      /* pages handed out or reserved */
	size_t available_pages; /* total - used - metadata */
	size_t metadata_pages;  /* pages holding the allocator's own bitmaps */
	size_t cached_pages;    /* free pages parked in per-hart caches (the kernel's frames with
	                         * CONFIG_PERCPU_CACHE): counted in available, not in used */
};

struct page_allocator_ops {
	const char *name;
	size_t state_size;
	/*
	 * Manage [base, base + size): base and size are rounded inwards to pages;
	 * metadata is carved from the start of the range, so it must be writable
	 * (in the kernel: a linear-map address).
	 */
	int (*init)(void *state, uintptr_t base, size_t size);
	/* count >= 1 pages, align a power of two >= PAGE_SIZE, in bytes. */
	int (*alloc_pages)(void *state, size_t count, size_t align, uintptr_t *out);
	int (*free_pages)(void *state, uintptr_t addr, size_t count);
	/* Mark a free range used (firmware, kernel image, DTB); -EEXIST if any page is taken. */
	int (*reserve_pages)(void *state, uintptr_t addr, size_t count);
	void (*stats)(const void *state, struct page_alloc_stats *st);
	int (*validate)(const void *state, char *why, size_t why_len);
};

extern const struct page_allocator_ops bitmap_page_ops;

/* ---- id allocator -------------------------------------------------------- */

struct id_allocator_ops {
	const char *name;
	size_t state_size;
	/* Ids 0 .. capacity-1; `storage` holds the bitmap, see id_storage_bytes(). */
	int (*init)(void *state, void *storage, size_t storage_bytes, size_t capacity);
	int (*alloc)(void *state, size_t *id);
	int (*alloc_fixed)(void *state, size_t id);
	bool (*is_allocated)(const void *state, size_t id);
	int (*free)(void *state, size_t id);
	size_t (*capacity)(const void *state);
	size_t (*used)(const void *state);
	int (*validate)(const void *state, char *why, size_t why_len);
};

extern const struct id_allocator_ops bitmap_id_ops;

#endif
