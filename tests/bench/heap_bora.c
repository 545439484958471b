// SPDX-License-Identifier: MIT
/*
 * Bora's byte allocators as benchmark heaps over one region of
 * bench_region_bytes. The region is reserved once per heap, aligned to its own
 * size so the buddy allocators see their best-case base, and re-initialised
 * before every run (through the algorithm's struct byte_allocator_ops).
 *
 * Each algorithm's alloc and free are called directly, as the system heaps'
 * wrappers jump straight into malloc/free: the counted call is the algorithm's
 * function plus three instructions (state pointer, alignment 1, the jump).
 * Only the bump stub goes through the ops table, as kmalloc calls an
 * allocator, because kmalloc's own cost is measured against it; bump_direct
 * is the same stub called directly, so bump - bump_direct is what the ops
 * table's dispatch costs (run_bench.py adds it back where a figure is compared
 * with reference figures measured through that dispatch).
 */
#include <string.h>
#include <sys/mman.h>

#include <bora/alloc.h>
#include <bora/errno.h>
#include <bora/kmalloc.h>
#ifdef BENCH_HAVE_TLSF
#include <bora/tlsf.h>
#endif
#ifdef BENCH_HAVE_BUDDY
#include <bora/buddy.h>
#endif
#ifdef BENCH_HAVE_BITMAP_BUDDY
#include <bora/bitmap_buddy.h>
#endif
#ifdef BENCH_HAVE_SLAB
#include <bora/slab.h>
#endif

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

/*
 * In place when the algorithm can, else alloc + copy + free like a C realloc,
 * through the given malloc/free (the ops table's or the raw calls).
 */
static void *realloc_with(struct bench_heap *h, void *p, size_t old_size, size_t new_size,
                          void *(*alloc)(struct bench_heap *, size_t),
                          void (*release)(struct bench_heap *, void *, size_t))
{
	struct bora_priv *bp = h->priv;
	void *q;

	if (!p)
		return alloc(h, new_size);
	if (bp->ops->resize_in_place &&
	    bp->ops->resize_in_place(bp->state, p, old_size, new_size, 1) == 0)
		return p;
	q = alloc(h, new_size);
	if (!q)
		return NULL;
	memcpy(q, p, old_size < new_size ? old_size : new_size);
	release(h, p, old_size);
	return q;
}

static void *bora_realloc(struct bench_heap *h, void *p, size_t old_size, size_t new_size)
{
	return realloc_with(h, p, old_size, new_size, bora_malloc, bora_free);
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

/* Every heap with raw calls: malloc/free for the timed and measuring runs. */
static void *raw_malloc(struct bench_heap *h, size_t size)
{
	void *p;

	return h->alloc_raw(h, size, &p) ? NULL : p;
}

static void raw_free(struct bench_heap *h, void *p, size_t size)
{
	int err = h->free_raw(h, p, size);

	if (err)
		bench_die("%s: free(%p, %zu) failed: %s", h->name, p, size, errno_name(err));
}

/* As bora_realloc, through the raw calls. */
static void *raw_realloc(struct bench_heap *h, void *p, size_t old_size, size_t new_size)
{
	return realloc_with(h, p, old_size, new_size, raw_malloc, raw_free);
}

/* alg_alloc/alg_free called directly, the state from a static: a tail jump each. */
#define BORA_HEAP_NAMED(hname, alg)                                                                \
	static struct bora_priv hname##_priv = {.ops = &alg##_byte_ops};                           \
	static int hname##_alloc_raw(struct bench_heap *h, size_t size, void **out)                \
	{                                                                                          \
		(void)h;                                                                           \
		return alg##_alloc(hname##_priv.state, size, 1, out);                              \
	}                                                                                          \
	static int hname##_free_raw(struct bench_heap *h, void *p, size_t size)                    \
	{                                                                                          \
		(void)h;                                                                           \
		return alg##_free(hname##_priv.state, p, size, 1);                                 \
	}                                                                                          \
	static struct bench_heap hname##_heap = {                                                  \
	    .name = #hname,                                                                        \
	    .family = "bora",                                                                      \
	    .region_based = true,                                                                  \
	    .setup = bora_setup,                                                                   \
	    .teardown = bora_teardown,                                                             \
	    .malloc = raw_malloc,                                                                  \
	    .free = raw_free,                                                                      \
	    .realloc = raw_realloc,                                                                \
	    .sample = bora_sample,                                                                 \
	    .alloc_raw = hname##_alloc_raw,                                                        \
	    .free_raw = hname##_free_raw,                                                          \
	    .priv = &hname##_priv,                                                                 \
	}
#define BORA_HEAP(alg) BORA_HEAP_NAMED(alg, alg)

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

/*
 * kmalloc's own cost (issue 14: at most 20 instructions per call on top of the
 * allocator). The kernel's kmalloc()/kfree() run over a region like the heaps
 * above, once over TLSF and once over "bump", a stub whose ops do next to
 * nothing (alloc bumps a pointer, free and usable_size return at once): the
 * count of kmalloc_bump minus bump's own, both driven the same way, is what
 * kmalloc adds. Counted only: bump never reuses memory.
 */
/*
 * Kept whole (no inlining, no specialised clone for bump_direct's constant
 * arguments), so both bump heaps call the same code, and the ops table reaches
 * it as it reaches a real algorithm's: through DEFINE_BYTE_ALLOCATOR_OPS-style
 * trampolines (one jump each), so bump - bump_direct is the whole dispatch.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define BUMP_CALLEE __attribute__((noipa))
#else
#define BUMP_CALLEE __attribute__((noinline))
#endif

struct bump {
	uintptr_t next, end;
};

static int bump_init(void *s, void *base, size_t size)
{
	struct bump *b = s;

	b->next = (uintptr_t)base;
	b->end = (uintptr_t)base + size;
	return 0;
}

static BUMP_CALLEE int bump_alloc(void *s, size_t size, size_t align, void **out)
{
	struct bump *b = s;
	uintptr_t p = (b->next + 7) & ~(uintptr_t)7;

	(void)align;
	if (!size || size > b->end - p)
		return -ENOMEM;
	b->next = p + size;
	*out = (void *)p;
	return 0;
}

static BUMP_CALLEE int bump_free(void *s, void *ptr, size_t size, size_t align)
{
	(void)s, (void)ptr, (void)size, (void)align;
	return 0;
}

static BUMP_CALLEE size_t bump_usable_size(const void *s, const void *ptr)
{
	(void)s, (void)ptr;
	return 1;
}

static BUMP_CALLEE int bump_free_block(void *s, void *ptr)
{
	(void)s, (void)ptr;
	return 0;
}

static void bump_stats(const void *s, struct byte_alloc_stats *st)
{
	(void)s;
	memset(st, 0, sizeof(*st));
}

static int bump_validate(const void *s, char *why, size_t why_len)
{
	(void)s, (void)why, (void)why_len;
	return 0;
}

static int bump_ops_alloc(void *s, size_t size, size_t align, void **out)
{
	return bump_alloc(s, size, align, out);
}

static int bump_ops_free(void *s, void *ptr, size_t size, size_t align)
{
	return bump_free(s, ptr, size, align);
}

static size_t bump_ops_usable_size(const void *s, const void *ptr)
{
	return bump_usable_size(s, ptr);
}

static int bump_ops_free_block(void *s, void *ptr)
{
	return bump_free_block(s, ptr);
}

static const struct byte_allocator_ops bump_byte_ops = {
    .name = "bump",
    .state_size = sizeof(struct bump),
    .init = bump_init,
    .alloc = bump_ops_alloc,
    .free = bump_ops_free,
    .usable_size = bump_ops_usable_size,
    .free_block = bump_ops_free_block,
    .stats = bump_stats,
    .validate = bump_validate,
};

/* bump_direct: the stub called directly, like the algorithms above; counted only. */
static struct bora_priv bump_direct_priv = {.ops = &bump_byte_ops};
static int bump_direct_alloc_raw(struct bench_heap *h, size_t size, void **out)
{
	(void)h;
	return bump_alloc(bump_direct_priv.state, size, 1, out);
}

static int bump_direct_free_raw(struct bench_heap *h, void *p, size_t size)
{
	(void)h;
	return bump_free(bump_direct_priv.state, p, size, 1);
}

static struct bench_heap bump_direct_heap = {
    .name = "bump_direct",
    .family = "bora",
    .region_based = true,
    .count_only = true,
    .setup = bora_setup,
    .teardown = bora_teardown,
    .malloc = raw_malloc,
    .free = raw_free,
    .realloc = raw_realloc,
    .sample = bora_sample,
    .alloc_raw = bump_direct_alloc_raw,
    .free_raw = bump_direct_free_raw,
    .priv = &bump_direct_priv,
};

/* bump through the ops table, as kmalloc calls it: what kmalloc_bump is compared with. */
static struct bora_priv bump_priv = {.ops = &bump_byte_ops};
static struct bench_heap bump_heap = {
    .name = "bump",
    .family = "bora",
    .region_based = true,
    .count_only = true,
    .setup = bora_setup,
    .teardown = bora_teardown,
    .malloc = bora_malloc,
    .free = bora_free,
    .realloc = bora_realloc,
    .sample = bora_sample,
    .priv = &bump_priv,
};

/* The kernel heap itself (kmalloc/kfree) over the region, its state carved from it. */
static int kmalloc_setup(struct bench_heap *h)
{
	struct bora_priv *bp = h->priv;
	int err = 0;

	if (!bp->reservation)
		err = bora_setup(h); /* reserves the region (and inits ops, redone below) */
	return err ? err
	           : kmalloc_init_heap(bp->ops, NULL, (void *)h->region_base, h->region_bytes, 0);
}

static void *kmalloc_malloc(struct bench_heap *h, size_t size)
{
	(void)h;
	return kmalloc(size);
}

static void kmalloc_free(struct bench_heap *h, void *p, size_t size)
{
	(void)h, (void)size;
	kfree(p);
}

static void *kmalloc_realloc(struct bench_heap *h, void *p, size_t old_size, size_t new_size)
{
	(void)h, (void)old_size;
	return krealloc(p, new_size);
}

static void kmalloc_sample(struct bench_heap *h, struct heap_sample *s)
{
	struct kheap_stats st;

	(void)h;
	kheap_stats(kmalloc_heap(), &st);
	s->footprint = 0;
	s->metadata = st.metadata;
	s->metadata_known = true;
}

#define KMALLOC_HEAP(hname, alg)                                                                   \
	static struct bora_priv hname##_kpriv = {.ops = &alg##_byte_ops};                          \
	static struct bench_heap hname##_kheap = {                                                 \
	    .name = #hname,                                                                        \
	    .family = "bora",                                                                      \
	    .region_based = true,                                                                  \
	    .count_only = true,                                                                    \
	    .setup = kmalloc_setup,                                                                \
	    .teardown = bora_teardown,                                                             \
	    .malloc = kmalloc_malloc,                                                              \
	    .free = kmalloc_free,                                                                  \
	    .realloc = kmalloc_realloc,                                                            \
	    .sample = kmalloc_sample,                                                              \
	    .priv = &hname##_kpriv,                                                                \
	}

KMALLOC_HEAP(kmalloc_bump, bump);
#ifdef BENCH_HAVE_TLSF
KMALLOC_HEAP(kmalloc, tlsf);
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
#ifdef BENCH_HAVE_TLSF
    &kmalloc_kheap,
#endif
    &bump_heap,         &kmalloc_bump_kheap, &bump_direct_heap, NULL,
};
