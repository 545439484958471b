// SPDX-License-Identifier: MIT
/*
 * Bora's byte allocators as benchmark heaps, each driven only through its
 * struct byte_allocator_ops, over one region of bench_region_bytes. The region is
 * reserved once per heap, aligned to its own size so the buddy allocators see
 * their best-case base, and re-initialised before every run.
 */
#include <string.h>
#include <sys/mman.h>

#include <bora/alloc.h>
#include <bora/errno.h>

#include "bench.h"

struct bora_priv {
	const struct byte_allocator_ops *ops;
	void *state;
	void *reservation; /* what mmap returned: twice the region, for the alignment */
	size_t reserved;
};

static int bora_setup(struct bench_heap *h)
{
	struct bora_priv *bp = h->priv;

	if (!bp->reservation) {
		void *r = mmap(NULL, 2 * bench_region_bytes, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (r == MAP_FAILED)
			return -ENOMEM;
		bp->reservation = r;
		bp->reserved = bench_region_bytes;
		h->region_base =
		    ((uintptr_t)r + bench_region_bytes - 1) & ~(uintptr_t)(bench_region_bytes - 1);
		bp->state = scratch_alloc(bp->ops->state_size);
		h->state_bytes = bp->ops->state_size;
		h->region_bytes = bench_region_bytes;
	}
	return bp->ops->init(bp->state, (void *)h->region_base, h->region_bytes);
}

static void bora_teardown(struct bench_heap *h)
{
	struct bora_priv *bp = h->priv;

	if (bp->reservation) {
		munmap(bp->reservation, 2 * bp->reserved);
		scratch_free(bp->state, bp->ops->state_size);
		bp->reservation = NULL;
		bp->state = NULL;
	}
}

static void *bora_malloc(struct bench_heap *h, size_t size)
{
	struct bora_priv *bp = h->priv;
	void *p;

	return bp->ops->alloc(bp->state, size, 1, &p) ? NULL : p;
}

static void bora_free(struct bench_heap *h, void *p, size_t size)
{
	struct bora_priv *bp = h->priv;
	int err = bp->ops->free(bp->state, p, size, 1);

	if (err)
		bench_die("%s: free(%p, %zu) failed: %s", h->name, p, size, errno_name(err));
}

/* In place when the algorithm can, else alloc + copy + free like a C realloc. */
static void *bora_realloc(struct bench_heap *h, void *p, size_t old_size, size_t new_size)
{
	struct bora_priv *bp = h->priv;
	void *q;

	if (!p)
		return bora_malloc(h, new_size);
	if (bp->ops->resize_in_place &&
	    bp->ops->resize_in_place(bp->state, p, old_size, new_size, 1) == 0)
		return p;
	q = bora_malloc(h, new_size);
	if (!q)
		return NULL;
	memcpy(q, p, old_size < new_size ? old_size : new_size);
	bora_free(h, p, old_size);
	return q;
}

static void bora_sample(struct bench_heap *h, struct heap_sample *s)
{
	struct bora_priv *bp = h->priv;
	struct byte_alloc_stats st;

	bp->ops->stats(bp->state, &st);
	s->footprint = 0;
	s->metadata = st.metadata;
	s->metadata_known = true;
}

#define BORA_HEAP(alg)                                                                             \
	static struct bora_priv alg##_priv = {.ops = &alg##_byte_ops};                             \
	static struct bench_heap alg##_heap = {                                                    \
	    .name = #alg,                                                                          \
	    .family = "bora",                                                                      \
	    .region_based = true,                                                                  \
	    .setup = bora_setup,                                                                   \
	    .teardown = bora_teardown,                                                             \
	    .malloc = bora_malloc,                                                                 \
	    .free = bora_free,                                                                     \
	    .realloc = bora_realloc,                                                               \
	    .sample = bora_sample,                                                                 \
	    .priv = &alg##_priv,                                                                   \
	}

/* bench.mk defines BENCH_HAVE_<alg> for each allocator source present in mm/. */
#ifdef BENCH_HAVE_TLSF
BORA_HEAP(tlsf);
#endif
#ifdef BENCH_HAVE_BUDDY
BORA_HEAP(buddy);
#endif
#ifdef BENCH_HAVE_BITMAP_BUDDY
BORA_HEAP(bitmap_buddy);
#endif
#ifdef BENCH_HAVE_SLAB
BORA_HEAP(slab);
#endif

struct bench_heap *const bench_bora_heaps[] = {
#ifdef BENCH_HAVE_TLSF
    &tlsf_heap,
#endif
#ifdef BENCH_HAVE_BUDDY
    &buddy_heap,
#endif
#ifdef BENCH_HAVE_BITMAP_BUDDY
    &bitmap_buddy_heap,
#endif
#ifdef BENCH_HAVE_SLAB
    &slab_heap,
#endif
    NULL,
};
