// SPDX-License-Identifier: MIT
/*
 * Byte-allocator conformance suite.
 *
 * One program per algorithm: scripts/unit.mk compiles this file with
 * -DCONFORMANCE_OPS=<alg>_byte_ops for every name in BYTE_ALLOCS and links the
 * algorithm's sources. The allocator is driven only through
 * `struct byte_allocator_ops` (include/bora/alloc.h), so every expectation here is
 * part of that interface's contract:
 *
 *  - alloc(size, align): size >= 1, align a power of two, else -EINVAL; success
 *    means an `align`-aligned block lying wholly inside a managed region that does
 *    not overlap any other live block; failure is -EINVAL or -ENOMEM and leaves
 *    *out untouched.
 *  - stats: used + available + metadata == total, total <= the bytes handed to
 *    init/add_region, used >= the sum of the live requested sizes,
 *    largest_free <= available, alloc(largest_free, 1) succeeds and
 *    alloc(largest_free + 1, 1) does not (on a fresh heap), and after an
 *    alloc(size, 1) that returned -ENOMEM, largest_free < size.
 *  - on a fresh heap whose largest_free >= size + 2 * align + 64 an aligned
 *    request must succeed: an algorithm may waste up to ~2 * align to align, no more.
 *  - free of NULL, foreign, interior, never-returned or already-freed pointers
 *    returns an error, changes no statistic and leaves validate() clean.
 *  - freeing every live block restores used == 0 and the largest_free and
 *    available values seen right after init ("full recovery").
 *  - usable_size(p) >= the size p was allocated with, its bytes are the block's
 *    own, non-blocks answer 0, and free(p, usable_size(p), 1) frees any block.
 *  - add_region / resize_in_place may answer -ENOTSUP (the tests are then skipped).
 *
 * Heaps live in buffers with ASan-poisoned guard zones on both sides, so an
 * allocator that touches memory outside the regions it was given fails under the
 * sanitizer build. Heap and state buffers are pre-filled with junk: an algorithm
 * must not rely on zeroed memory.
 *
 * Each test runs once per heap shape (4 KiB, the kernel's 128 KiB temporary heap,
 * 1 MiB, a non-power-of-two 100 KiB + 24, and the same with a base that is only
 * 8-byte aligned).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/alloc.h>
#include <bora/hash.h>
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/types.h>

#ifndef CONFORMANCE_OPS
#error "build with -DCONFORMANCE_OPS=<alg>_byte_ops"
#endif

extern const struct byte_allocator_ops CONFORMANCE_OPS;
#define OPS (&CONFORMANCE_OPS)

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define GUARD       4096
#define MAX_REGIONS 8
#define UNTOUCHED   ((void *)(uintptr_t)0xdeadbeef5a5a5a50ULL)

/* ---- heap shapes ---------------------------------------------------------- */

struct heap_cfg {
	const char *label;
	size_t size;
	size_t offset;     /* base = page-aligned buffer + offset */
	size_t stress_ops; /* operations per stress run on this shape */
};

static const struct heap_cfg cfgs[] = {
    {"4K", 4096, 0, 200000},
    {"128K", 128 * 1024, 0, 1000000},
    {"1M", 1024 * 1024, 0, 200000},
    {"100K+24", 100 * 1024 + 24, 0, 200000},
    {"100K+24@+40", 100 * 1024 + 24, 40, 200000},
};

/* ---- fixture --------------------------------------------------------------- */

struct region {
	uintptr_t base;
	size_t size;
};

struct fix {
	const struct heap_cfg *cfg;
	void *state;
	size_t state_bytes;
	struct region reg[MAX_REGIONS];
	unsigned nreg;
	size_t managed; /* bytes handed to init + successful add_region */
	void *mem[MAX_REGIONS];
	size_t memsz[MAX_REGIONS];
	unsigned nmem;
	struct byte_alloc_stats st0; /* right after init */
	unsigned char *heap;         /* the init region */
};

/* A buffer of `size` usable bytes at page offset `offset`, guarded on both sides. */
static unsigned char *guarded_buffer(struct fix *f, size_t size, size_t offset)
{
	size_t inner = ALIGN_UP(offset + size, (size_t)4096);
	size_t total = GUARD + inner + GUARD;
	unsigned char *mem;
	unsigned char *buf;

	if (f->nmem == MAX_REGIONS)
		return NULL;
	mem = aligned_alloc(4096, total);
	if (!mem)
		return NULL;
	memset(mem, 0xa5, total);
	buf = mem + GUARD + offset;
	POISON(mem, GUARD + offset);
	POISON(buf + size, total - GUARD - offset - size);
	f->mem[f->nmem] = mem;
	f->memsz[f->nmem] = total;
	f->nmem++;
	return buf;
}

static void add_managed(struct fix *f, void *base, size_t size)
{
	if (f->nreg < MAX_REGIONS) {
		f->reg[f->nreg].base = (uintptr_t)base;
		f->reg[f->nreg].size = size;
		f->nreg++;
	}
	f->managed += size;
}

static int setup_with(void **state, const struct heap_cfg *cfg)
{
	struct fix *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -1;
	f->cfg = cfg;
	f->state_bytes = ALIGN_UP(MAX(OPS->state_size, (size_t)1), (size_t)16);
	f->state = aligned_alloc(16, f->state_bytes);
	if (!f->state)
		return -1;
	memset(f->state, 0x5a, f->state_bytes);
	f->heap = guarded_buffer(f, cfg->size, cfg->offset);
	if (!f->heap)
		return -1;
	r = OPS->init(f->state, f->heap, cfg->size);
	if (r != 0) {
		print_error("%s: init(%s) -> %s\n", OPS->name, cfg->label, errno_name(r));
		return -1;
	}
	add_managed(f, f->heap, cfg->size);
	OPS->stats(f->state, &f->st0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, *state);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	unsigned i;

	if (!f)
		return 0;
	for (i = 0; i < f->nmem; i++) {
		UNPOISON(f->mem[i], f->memsz[i]);
		free(f->mem[i]);
	}
	free(f->state);
	free(f);
	return 0;
}

/* ---- checks ---------------------------------------------------------------- */

static void check_valid(struct fix *f, const char *where)
{
	char why[256] = "";
	int r = OPS->validate(f->state, why, sizeof(why));

	if (r != 0)
		fail_msg("%s/%s: validate after %s -> %s: %s", OPS->name, f->cfg->label, where,
		         errno_name(r), why);
}

static struct byte_alloc_stats get_stats(struct fix *f)
{
	struct byte_alloc_stats st;

	memset(&st, 0xff, sizeof(st));
	OPS->stats(f->state, &st);
	return st;
}

/* The stats identities; `live_req` is the sum of requested sizes still live. */
static struct byte_alloc_stats check_stats(struct fix *f, size_t live_req, const char *where)
{
	struct byte_alloc_stats st = get_stats(f);

	if (st.used + st.available + st.metadata != st.total)
		fail_msg("%s/%s %s: used %zu + available %zu + metadata %zu != total %zu",
		         OPS->name, f->cfg->label, where, st.used, st.available, st.metadata,
		         st.total);
	if (st.total > f->managed)
		fail_msg("%s/%s %s: total %zu > managed %zu", OPS->name, f->cfg->label, where,
		         st.total, f->managed);
	if (st.used < live_req)
		fail_msg("%s/%s %s: used %zu < live requested %zu", OPS->name, f->cfg->label, where,
		         st.used, live_req);
	if (st.largest_free > st.available)
		fail_msg("%s/%s %s: largest_free %zu > available %zu", OPS->name, f->cfg->label,
		         where, st.largest_free, st.available);
	return st;
}

static void expect_recovered(struct fix *f, const struct byte_alloc_stats *ref, const char *where)
{
	struct byte_alloc_stats st;

	check_valid(f, where);
	st = check_stats(f, 0, where);
	if (st.used != 0 || st.largest_free != ref->largest_free || st.available != ref->available)
		fail_msg("%s/%s %s: not recovered: used %zu (want 0), largest_free %zu (want %zu), "
		         "available %zu (want %zu)",
		         OPS->name, f->cfg->label, where, st.used, st.largest_free,
		         ref->largest_free, st.available, ref->available);
}

/*
 * Full recovery over several regions: no byte lost, and largest_free is one of the
 * regions' own values (an algorithm may pick which free block it reports, e.g.
 * TLSF reports a list head, so the exact value can depend on the order of frees).
 */
static void expect_recovered_regions(struct fix *f, const struct byte_alloc_stats *ref,
                                     size_t lf_lo, size_t lf_hi, const char *where)
{
	struct byte_alloc_stats st;

	check_valid(f, where);
	st = check_stats(f, 0, where);
	if (st.used != 0 || st.available != ref->available || st.largest_free < lf_lo ||
	    st.largest_free > lf_hi)
		fail_msg("%s/%s %s: not recovered: used %zu (want 0), available %zu (want %zu), "
		         "largest_free %zu (want %zu..%zu)",
		         OPS->name, f->cfg->label, where, st.used, st.available, ref->available,
		         st.largest_free, lf_lo, lf_hi);
}

/* largest_free of a region managed alone (a scratch state; the region is reused). */
static size_t lone_largest_free(struct fix *f, void *base, size_t size)
{
	void *s = aligned_alloc(16, f->state_bytes);
	struct byte_alloc_stats st;

	assert_non_null(s);
	memset(s, 0x5a, f->state_bytes);
	assert_int_equal(OPS->init(s, base, size), 0);
	OPS->stats(s, &st);
	free(s);
	return st.largest_free;
}

static bool in_regions(const struct fix *f, const void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p;
	unsigned i;

	for (i = 0; i < f->nreg; i++) {
		const struct region *r = &f->reg[i];

		if (a >= r->base && a - r->base <= r->size && size <= r->size - (a - r->base))
			return true;
	}
	return false;
}

/* alloc through the ops table, checking what any answer must look like. */
static int raw_alloc(struct fix *f, size_t size, size_t align, unsigned char **out)
{
	void *p = UNTOUCHED;
	int r = OPS->alloc(f->state, size, align, &p);

	if (r == 0) {
		if (!in_regions(f, p, size))
			fail_msg("%s/%s: alloc(%zu, %zu) = %p outside the managed regions",
			         OPS->name, f->cfg->label, size, align, p);
		if (align && ((uintptr_t)p & (align - 1)) != 0)
			fail_msg("%s/%s: alloc(%zu, %zu) = %p misaligned", OPS->name, f->cfg->label,
			         size, align, p);
	} else {
		if (r != -ENOMEM && r != -EINVAL)
			fail_msg("%s/%s: alloc(%zu, %zu) -> %s (want 0, EINVAL or ENOMEM)",
			         OPS->name, f->cfg->label, size, align, errno_name(r));
		if (p != UNTOUCHED)
			fail_msg("%s/%s: alloc(%zu, %zu) failed with %s but wrote *out", OPS->name,
			         f->cfg->label, size, align, errno_name(r));
		p = NULL;
	}
	*out = p;
	return r;
}

/* ---- live blocks, content patterns, overlap -------------------------------- */

struct blk {
	unsigned char *p;
	size_t size;
	size_t align;
	uint64_t id;
};

struct pool {
	struct blk *b;
	size_t n, cap;
	size_t req_sum;
	uint64_t next_id;
};

/* Content is a function of (id, address, offset) only, so a resized block's prefix
 * keeps its expected value. */
static uint64_t pattern_word(const struct blk *b, size_t off)
{
	return mix64(b->id ^ ((uint64_t)(uintptr_t)b->p << 16)) +
	       (uint64_t)off * 0x9e3779b97f4a7c15ULL;
}

static void fill_range(const struct blk *b, size_t from, size_t to)
{
	size_t i = from & ~(size_t)7;

	for (; i < to; i += 8) {
		uint64_t w = pattern_word(b, i);
		size_t lo = MAX(i, from), hi = MIN(i + 8, to);

		memcpy(b->p + lo, (unsigned char *)&w + (lo - i), hi - lo);
	}
}

/* First differing offset below `upto`, or SIZE_MAX. */
static size_t check_range(const struct blk *b, size_t upto)
{
	size_t i;

	for (i = 0; i < upto; i += 8) {
		uint64_t w = pattern_word(b, i);
		size_t n = MIN((size_t)8, upto - i);

		if (memcmp(b->p + i, &w, n) != 0) {
			size_t k;

			for (k = 0; k < n; k++)
				if (b->p[i + k] != ((unsigned char *)&w)[k])
					return i + k;
		}
	}
	return SIZE_MAX;
}

static void expect_intact(struct fix *f, const struct blk *b, size_t upto, const char *where)
{
	size_t bad = check_range(b, upto);

	if (bad != SIZE_MAX)
		fail_msg(
		    "%s/%s %s: block %p (size %zu, align %zu, id %llu) corrupted at offset %zu",
		    OPS->name, f->cfg->label, where, (void *)b->p, b->size, b->align,
		    (unsigned long long)b->id, bad);
}

static void pool_init(struct pool *P)
{
	memset(P, 0, sizeof(*P));
	P->next_id = 1;
}

static void pool_fini(struct pool *P)
{
	free(P->b);
	memset(P, 0, sizeof(*P));
}

static int pool_alloc(struct fix *f, struct pool *P, size_t size, size_t align)
{
	unsigned char *p;
	int r = raw_alloc(f, size, align, &p);
	struct blk *b;

	if (r != 0)
		return r;
	if (P->n == P->cap) {
		P->cap = P->cap ? 2 * P->cap : 256;
		P->b = realloc(P->b, P->cap * sizeof(*P->b));
		assert_non_null(P->b);
	}
	b = &P->b[P->n++];
	b->p = p;
	b->size = size;
	b->align = align;
	b->id = P->next_id++;
	P->req_sum += size;
	fill_range(b, 0, size);
	return 0;
}

static void pool_free(struct fix *f, struct pool *P, size_t i)
{
	struct blk b = P->b[i];
	int r;

	expect_intact(f, &b, b.size, "before free");
	r = OPS->free(f->state, b.p, b.size, b.align);
	if (r != 0)
		fail_msg("%s/%s: free(%p, %zu, %zu) of a live block -> %s", OPS->name,
		         f->cfg->label, (void *)b.p, b.size, b.align, errno_name(r));
	P->b[i] = P->b[--P->n];
	P->req_sum -= b.size;
}

static void pool_free_all(struct fix *f, struct pool *P)
{
	while (P->n)
		pool_free(f, P, P->n - 1);
}

static int blk_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct blk *)a)->p;
	uintptr_t y = (uintptr_t)((const struct blk *)b)->p;

	return x < y ? -1 : x > y;
}

/* No two live blocks overlap; every block still holds its pattern. */
static void check_pool(struct fix *f, struct pool *P, const char *where)
{
	struct blk *s;
	size_t i;

	if (P->n == 0)
		return;
	s = malloc(P->n * sizeof(*s));
	assert_non_null(s);
	memcpy(s, P->b, P->n * sizeof(*s));
	qsort(s, P->n, sizeof(*s), blk_cmp);
	for (i = 0; i + 1 < P->n; i++)
		if ((uintptr_t)s[i].p + s[i].size > (uintptr_t)s[i + 1].p)
			fail_msg("%s/%s %s: blocks overlap: %p+%zu and %p+%zu", OPS->name,
			         f->cfg->label, where, (void *)s[i].p, s[i].size,
			         (void *)s[i + 1].p, s[i + 1].size);
	free(s);
	for (i = 0; i < P->n; i++)
		expect_intact(f, &P->b[i], P->b[i].size, where);
}

/* ---- PRNG (xorshift64*) ---------------------------------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = mix64(s) | 1;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

/* Shuffle so frees happen in random order (and so coalescing meets every shape). */
static void pool_shuffle(struct pool *P)
{
	size_t i;

	for (i = P->n; i > 1; i--) {
		size_t j = rng_below(i);
		struct blk t = P->b[i - 1];

		P->b[i - 1] = P->b[j];
		P->b[j] = t;
	}
}

/* ---- tests: fresh heap ----------------------------------------------------- */

static void t_init_state(void **state)
{
	struct fix *f = *state;
	struct byte_alloc_stats st;
	unsigned char *p;
	int r;

	check_valid(f, "init");
	st = check_stats(f, 0, "init");
	assert_int_equal(st.used, 0);
	assert_true(st.total > 0);
	assert_true(st.largest_free > 0);
	/* largest_free is exact: that size fits, one byte more does not. */
	r = raw_alloc(f, st.largest_free, 1, &p);
	if (r != 0)
		fail_msg("%s/%s: alloc(largest_free = %zu, 1) -> %s", OPS->name, f->cfg->label,
		         st.largest_free, errno_name(r));
	memset(p, 0x3c, st.largest_free);
	check_valid(f, "alloc(largest_free)");
	check_stats(f, st.largest_free, "alloc(largest_free)");
	assert_int_equal(OPS->free(f->state, p, st.largest_free, 1), 0);
	expect_recovered(f, &f->st0, "free(largest_free)");

	r = raw_alloc(f, st.largest_free + 1, 1, &p);
	if (r == 0)
		fail_msg("%s/%s: alloc(largest_free + 1 = %zu, 1) succeeded", OPS->name,
		         f->cfg->label, st.largest_free + 1);
	expect_recovered(f, &f->st0, "alloc(largest_free + 1)");
}

static void t_alignments(void **state)
{
	static const size_t sizes[] = {1, 7, 24, 64, 200};
	struct fix *f = *state;
	struct pool P;
	size_t align, k;

	pool_init(&P);
	for (align = 1; align <= 4096; align <<= 1) {
		for (k = 0; k < ARRAY_SIZE(sizes); k++) {
			size_t size = sizes[k];
			struct byte_alloc_stats st = get_stats(f);
			bool guaranteed = st.largest_free >= size + 2 * align + 64;
			int r = pool_alloc(f, &P, size, align);

			if (r == -ENOMEM && guaranteed)
				fail_msg("%s/%s: alloc(%zu, %zu) -> ENOMEM with largest_free %zu",
				         OPS->name, f->cfg->label, size, align, st.largest_free);
			if (r != 0 && r != -ENOMEM)
				fail_msg("%s/%s: alloc(%zu, %zu) -> %s", OPS->name, f->cfg->label,
				         size, align, errno_name(r));
		}
		check_pool(f, &P, "alignments");
		check_valid(f, "aligned allocs");
		check_stats(f, P.req_sum, "aligned allocs");
		pool_free_all(f, &P);
		expect_recovered(f, &f->st0, "aligned frees");
	}
	/* The same on a heap that is not empty: interleave alignments. */
	rng_seed(0xa11a);
	for (k = 0; k < 400; k++) {
		size_t a = (size_t)1 << rng_below(13);
		int r = pool_alloc(f, &P, 1 + rng_below(300), a);

		if (r != 0 && r != -ENOMEM)
			fail_msg("%s/%s: mixed aligned alloc -> %s", OPS->name, f->cfg->label,
			         errno_name(r));
		if (P.n && rng_below(3) == 0)
			pool_free(f, &P, rng_below(P.n));
	}
	check_pool(f, &P, "mixed alignments");
	check_valid(f, "mixed alignments");
	check_stats(f, P.req_sum, "mixed alignments");
	pool_shuffle(&P);
	pool_free_all(f, &P);
	expect_recovered(f, &f->st0, "mixed alignments freed");
	pool_fini(&P);
}

static void expect_alloc_fails(struct fix *f, size_t size, size_t align, int want)
{
	unsigned char *p;
	int r = raw_alloc(f, size, align, &p);

	if (r == 0)
		fail_msg("%s/%s: alloc(%zu, %zu) succeeded, want failure", OPS->name, f->cfg->label,
		         size, align);
	if (want && r != want)
		fail_msg("%s/%s: alloc(%zu, %zu) -> %s, want %s", OPS->name, f->cfg->label, size,
		         align, errno_name(r), errno_name(want));
}

static void t_size_edges(void **state)
{
	static const size_t odd[] = {1,  2,  3,  5,   9,   15,  17,  31,
	                             33, 63, 65, 127, 255, 257, 999, 1023};
	static const size_t huge_sub[] = {0, 1, 7, 8, 15, 16, 31, 63, 4095, 4096, 65536};
	static const size_t aligns[] = {1, 8, 16, 4096};
	struct fix *f = *state;
	size_t heap = f->cfg->size;
	struct pool P;
	unsigned char *p;
	size_t i, j;
	int r;

	pool_init(&P);
	expect_alloc_fails(f, 0, 1, -EINVAL);
	expect_alloc_fails(f, 0, 16, -EINVAL);
	expect_alloc_fails(f, 0, 3, -EINVAL);
	for (i = 0; i < ARRAY_SIZE(odd); i++) {
		r = pool_alloc(f, &P, odd[i], 1);
		if (r == -ENOMEM && f->cfg->size >= 4096 && P.req_sum < heap / 4)
			fail_msg("%s/%s: alloc(%zu, 1) -> ENOMEM with %zu bytes live", OPS->name,
			         f->cfg->label, odd[i], P.req_sum);
	}
	check_pool(f, &P, "odd sizes");
	check_stats(f, P.req_sum, "odd sizes");
	pool_free_all(f, &P);
	expect_recovered(f, &f->st0, "odd sizes freed");

	/* The whole heap: only an allocator without in-region overhead can do it. */
	r = raw_alloc(f, heap, 1, &p);
	if (r == 0) {
		memset(p, 0x11, heap);
		assert_int_equal(OPS->free(f->state, p, heap, 1), 0);
	}
	expect_alloc_fails(f, heap + 1, 1, 0);
	expect_alloc_fails(f, heap + 1, 16, 0);
	expect_alloc_fails(f, 2 * heap, 1, 0);
	for (i = 0; i < ARRAY_SIZE(huge_sub); i++)
		for (j = 0; j < ARRAY_SIZE(aligns); j++) {
			expect_alloc_fails(f, SIZE_MAX - huge_sub[i], aligns[j], 0);
			expect_alloc_fails(f, SIZE_MAX / 2 + 1 - huge_sub[i], aligns[j], 0);
		}
	expect_recovered(f, &f->st0, "huge sizes");

	/* Alignment: not a power of two -> EINVAL, whatever the size. */
	expect_alloc_fails(f, 16, 0, -EINVAL);
	expect_alloc_fails(f, 16, 3, -EINVAL);
	expect_alloc_fails(f, 16, 6, -EINVAL);
	expect_alloc_fails(f, 16, 24, -EINVAL);
	expect_alloc_fails(f, 16, 4097, -EINVAL);
	expect_alloc_fails(f, 16, SIZE_MAX, -EINVAL);
	expect_alloc_fails(f, 0, 24, -EINVAL);
	/* Alignments beyond the heap: an error, or a correct answer if one happens to fit. */
	for (i = 20; i < 64; i++) {
		r = raw_alloc(f, 16, (size_t)1 << i, &p);
		if (r == 0) {
			memset(p, 0x22, 16);
			assert_int_equal(OPS->free(f->state, p, 16, (size_t)1 << i), 0);
		}
		r = raw_alloc(f, SIZE_MAX - 16, (size_t)1 << i, &p);
		assert_int_not_equal(r, 0);
	}
	r = raw_alloc(f, 16, roundup_pow2(heap) * 2, &p);
	if (r == 0)
		assert_int_equal(OPS->free(f->state, p, 16, roundup_pow2(heap) * 2), 0);
	expect_recovered(f, &f->st0, "alignment edges");
	pool_fini(&P);
}

/* ---- bad frees ------------------------------------------------------------- */

static void expect_bad_free(struct fix *f, void *ptr, size_t size, size_t align,
                            const struct byte_alloc_stats *before, const char *what)
{
	struct byte_alloc_stats st;
	int r = OPS->free(f->state, ptr, size, align);

	if (r == 0)
		fail_msg("%s/%s: free of %s (%p) succeeded", OPS->name, f->cfg->label, what, ptr);
	if (r != -ENOTALLOC && r != -EINVAL)
		fail_msg("%s/%s: free of %s -> %s, want ENOTALLOC or EINVAL", OPS->name,
		         f->cfg->label, what, errno_name(r));
	check_valid(f, what);
	st = get_stats(f);
	if (memcmp(&st, before, sizeof(st)) != 0)
		fail_msg(
		    "%s/%s: free of %s changed the stats (used %zu -> %zu, available %zu -> %zu)",
		    OPS->name, f->cfg->label, what, before->used, st.used, before->available,
		    st.available);
	/* kfree's one-call free must refuse it the same way. */
	r = OPS->free_block(f->state, ptr);
	if (r != -ENOTALLOC)
		fail_msg("%s/%s: free_block of %s -> %s, want ENOTALLOC", OPS->name, f->cfg->label,
		         what, r ? errno_name(r) : "success");
	check_valid(f, what);
	st = get_stats(f);
	if (memcmp(&st, before, sizeof(st)) != 0)
		fail_msg("%s/%s: free_block of %s changed the stats", OPS->name, f->cfg->label,
		         what);
}

static bool is_live(const struct pool *P, const void *p)
{
	size_t i;

	for (i = 0; i < P->n; i++)
		if (P->b[i].p == p)
			return true;
	return false;
}

static void t_bad_frees(void **state)
{
	struct fix *f = *state;
	unsigned char *heap = f->heap;
	size_t hsz = f->cfg->size;
	unsigned char *foreign = malloc(256);
	struct byte_alloc_stats st;
	struct pool P;
	unsigned char *d, *e, *g, *x;
	size_t i;
	char what[96];

	assert_non_null(foreign);
	memset(foreign, 0x77, 256);
	pool_init(&P);
	assert_int_equal(pool_alloc(f, &P, 64, 1), 0);
	assert_int_equal(pool_alloc(f, &P, 100, 64), 0);
	assert_int_equal(pool_alloc(f, &P, 24, 1), 0);
	assert_int_equal(pool_alloc(f, &P, 200, 16), 0);
	/* d: freed once (double free); e, g: neighbours freed around it. */
	assert_int_equal(raw_alloc(f, 48, 1, &d), 0);
	assert_int_equal(raw_alloc(f, 48, 1, &e), 0);
	assert_int_equal(raw_alloc(f, 48, 1, &g), 0);
	assert_int_equal(pool_alloc(f, &P, 32, 1), 0);
	assert_int_equal(OPS->free(f->state, d, 48, 1), 0);
	assert_int_equal(OPS->free(f->state, g, 48, 1), 0);
	assert_int_equal(OPS->free(f->state, e, 48, 1), 0); /* coalesces with both */
	check_valid(f, "setup of bad frees");
	st = get_stats(f);

	expect_bad_free(f, NULL, 64, 1, &st, "NULL");
	expect_bad_free(f, foreign, 64, 1, &st, "a malloc() pointer");
	expect_bad_free(f, foreign + 16, 64, 1, &st, "a malloc() pointer + 16");
	expect_bad_free(f, heap - 64, 64, 1, &st, "region base - 64");
	expect_bad_free(f, heap - 16, 64, 1, &st, "region base - 16");
	expect_bad_free(f, heap + hsz, 64, 1, &st, "region end");
	expect_bad_free(f, heap + hsz + 64, 64, 1, &st, "region end + 64");
	expect_bad_free(f, (void *)(uintptr_t)16, 64, 1, &st, "address 16");
	expect_bad_free(f, (void *)(UINTPTR_MAX & ~(uintptr_t)15), 64, 1, &st, "top of memory");
	for (i = 0; i < P.n; i++) {
		static const size_t offs[] = {1, 4, 8, 16, 24, 32, 48};
		struct blk *b = &P.b[i];
		size_t k;

		for (k = 0; k < ARRAY_SIZE(offs); k++) {
			if (offs[k] >= b->size)
				continue;
			snprintf(what, sizeof(what), "interior %p+%zu of a live block",
			         (void *)b->p, offs[k]);
			expect_bad_free(f, b->p + offs[k], b->size, b->align, &st, what);
		}
	}
	/* Pointers inside the region that were never handed out. */
	for (i = 0; i < 64; i++) {
		size_t k;

		x = heap + ALIGN_DOWN((hsz * i) / 64, (size_t)16);
		for (k = 0; k < 16; k += 8) {
			if (is_live(&P, x + k))
				continue;
			snprintf(what, sizeof(what), "never-returned region+%zu",
			         (size_t)(x + k - heap));
			expect_bad_free(f, x + k, 16, 1, &st, what);
		}
	}
	expect_bad_free(f, d, 48, 1, &st, "double free (d)");
	expect_bad_free(f, e, 48, 1, &st, "double free (e, coalesced)");
	expect_bad_free(f, g, 48, 1, &st, "double free (g, coalesced)");
	check_pool(f, &P, "after bad frees");

	/* Double free of every block of a fully freed pool. */
	{
		struct blk saved[16];
		size_t n = MIN(P.n, ARRAY_SIZE(saved));
		struct byte_alloc_stats st2;

		memcpy(saved, P.b, n * sizeof(saved[0]));
		pool_free_all(f, &P);
		st2 = get_stats(f);
		for (i = 0; i < n; i++)
			expect_bad_free(f, saved[i].p, saved[i].size, saved[i].align, &st2,
			                "double free after all freed");
	}
	expect_recovered(f, &f->st0, "bad frees");
	pool_fini(&P);
	free(foreign);
}

/* ---- usable size ------------------------------------------------------------ */

/*
 * usable_size(p) >= the requested size for every live block, the usable bytes
 * are the block's own (filling them disturbs no other block), non-blocks answer
 * 0, and free(p, usable_size(p), 1) -- kmalloc's only way to free -- takes back
 * a block whatever alignment it was allocated with.
 */
static void t_usable_size(void **state)
{
	static const size_t sizes[] = {1, 7, 8, 24, 33, 64, 100, 520, 2000};
	struct fix *f = *state;
	unsigned char *foreign = malloc(64);
	struct pool P;
	size_t i, k, align;

	assert_non_null(foreign);
	memset(foreign, 0x5a, 64);
	pool_init(&P);
	rng_seed(0x05ab1e);
	for (k = 0; k < 300; k++) {
		size_t size = sizes[rng_below(ARRAY_SIZE(sizes))];

		align = (size_t)1 << rng_below(10);
		if (pool_alloc(f, &P, size, align) != 0)
			break;
	}
	assert_true(P.n > 0);
	for (i = 0; i < P.n; i++) {
		struct blk *b = &P.b[i];
		size_t u = OPS->usable_size(f->state, b->p);

		if (u < b->size)
			fail_msg("%s/%s: usable_size(%p) = %zu < requested %zu (align %zu)",
			         OPS->name, f->cfg->label, (void *)b->p, u, b->size, b->align);
		if (!in_regions(f, b->p, u))
			fail_msg("%s/%s: usable_size(%p) = %zu runs past its region", OPS->name,
			         f->cfg->label, (void *)b->p, u);
		/* The usable tail belongs to the block: the pattern now covers all of it. */
		b->size = u;
		fill_range(b, 0, u);
	}
	check_pool(f, &P, "usable bytes filled");
	check_valid(f, "usable bytes filled");
	/*
	 * Resized the way kmalloc does it (old size = usable size, alignment 1): a
	 * success must leave at least the new size usable, whatever alignment the
	 * block was allocated with.
	 */
	if (OPS->resize_in_place) {
		for (i = 0; i < P.n; i += 3) {
			struct blk *b = &P.b[i];
			size_t u = OPS->usable_size(f->state, b->p), want = u + 1 + rng_below(600);
			int r = OPS->resize_in_place(f->state, b->p, u, want, 1);

			if (r == 0 && OPS->usable_size(f->state, b->p) < want)
				fail_msg(
				    "%s/%s: resize_in_place(%p, usable %zu -> %zu, 1) of a block "
				    "allocated with align %zu left usable_size %zu",
				    OPS->name, f->cfg->label, (void *)b->p, u, want, b->align,
				    OPS->usable_size(f->state, b->p));
			if (r != 0 && r != -ENOMEM && r != -ENOTSUP)
				fail_msg("%s/%s: resize_in_place by usable size -> %s", OPS->name,
				         f->cfg->label, errno_name(r));
			if (r == 0) {
				b->size = want;
				fill_range(b, u, want);
			}
		}
		check_pool(f, &P, "resized by usable size");
		check_valid(f, "resized by usable size");
	}
	assert_int_equal(OPS->usable_size(f->state, NULL), 0);
	assert_int_equal(OPS->usable_size(f->state, foreign + 16), 0);
	for (i = 0; i < P.n; i++) {
		static const size_t offs[] = {1, 8, 16, 24};

		for (k = 0; k < ARRAY_SIZE(offs); k++)
			if (offs[k] < P.b[i].size && !is_live(&P, P.b[i].p + offs[k]) &&
			    OPS->usable_size(f->state, P.b[i].p + offs[k]) != 0)
				fail_msg("%s/%s: usable_size of interior pointer %p+%zu is not 0",
				         OPS->name, f->cfg->label, (void *)P.b[i].p, offs[k]);
	}
	/* Free every other block as kmalloc does; a freed pointer has no usable size. */
	pool_shuffle(&P);
	for (i = P.n; i-- > 0;) {
		struct blk b = P.b[i];
		size_t u;
		int r;

		if (i % 2)
			continue;
		expect_intact(f, &b, b.size, "before free(p, usable_size(p), 1)");
		u = OPS->usable_size(f->state, b.p);
		r = OPS->free(f->state, b.p, u, 1);
		if (r != 0)
			fail_msg("%s/%s: free(%p, usable_size = %zu, 1) of a block allocated with "
			         "align %zu -> %s",
			         OPS->name, f->cfg->label, (void *)b.p, u, b.align, errno_name(r));
		P.b[i] = P.b[--P.n];
		P.req_sum -= b.size;
		if (!is_live(&P, b.p) && OPS->usable_size(f->state, b.p) != 0)
			fail_msg("%s/%s: usable_size(%p) after its free is not 0", OPS->name,
			         f->cfg->label, (void *)b.p);
	}
	check_pool(f, &P, "half freed by usable size");
	check_valid(f, "half freed by usable size");
	/* The rest with free_block (kfree's one call), whatever their alignment; then again. */
	for (i = 0; i < P.n; i++) {
		struct blk *b = &P.b[i];
		int r = OPS->free_block(f->state, b->p);

		if (r != 0)
			fail_msg("%s/%s: free_block(%p) of a block allocated with align %zu -> %s",
			         OPS->name, f->cfg->label, (void *)b->p, b->align, errno_name(r));
	}
	check_valid(f, "rest freed by free_block");
	for (i = 0; i < P.n; i++) {
		int r = OPS->free_block(f->state, P.b[i].p);

		if (r != -ENOTALLOC)
			fail_msg("%s/%s: second free_block(%p) -> %s, want ENOTALLOC", OPS->name,
			         f->cfg->label, (void *)P.b[i].p, r ? errno_name(r) : "success");
	}
	P.n = 0;
	P.req_sum = 0;
	expect_recovered(f, &f->st0, "freed by usable size and free_block");
	pool_fini(&P);
	free(foreign);
}

/* ---- exhaustion and recovery ---------------------------------------------- */

static void free_in_order(struct fix *f, struct pool *P, int order)
{
	size_t i;

	switch (order) {
	case 0: /* reverse allocation order */
		pool_free_all(f, P);
		break;
	case 1: /* allocation order */
		for (i = 0; i < P->n; i++) {
			struct blk *b = &P->b[i];
			int r;

			expect_intact(f, b, b->size, "before free");
			r = OPS->free(f->state, b->p, b->size, b->align);
			if (r != 0)
				fail_msg("%s/%s: free(%p, %zu, %zu) of a live block -> %s",
				         OPS->name, f->cfg->label, (void *)b->p, b->size, b->align,
				         errno_name(r));
		}
		P->n = 0;
		P->req_sum = 0;
		break;
	case 2: /* every other block, then the rest */
		if (P->n)
			qsort(P->b, P->n, sizeof(*P->b), blk_cmp);
		for (i = P->n; i-- > 0;)
			if (i % 2 == 0)
				pool_free(f, P, i);
		check_valid(f, "half freed");
		pool_free_all(f, P);
		break;
	default:
		pool_shuffle(P);
		pool_free_all(f, P);
		break;
	}
}

static void exhaust(struct fix *f, struct pool *P, size_t size, size_t align)
{
	size_t limit = f->managed + 16;
	int r = 0;

	while (limit--) {
		r = pool_alloc(f, P, size, align);
		if (r != 0)
			break;
	}
	if (r != -ENOMEM)
		fail_msg("%s/%s: exhausting with alloc(%zu, %zu) ended with %s", OPS->name,
		         f->cfg->label, size, align, errno_name(r));
}

static void t_exhaust_fixed(void **state)
{
	static const size_t sizes[] = {1, 16, 48, 200, 1000, 4000};
	struct fix *f = *state;
	struct pool P;
	size_t k;
	int order;

	pool_init(&P);
	rng_seed(0xe4);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		for (order = 0; order < 4; order++) {
			struct byte_alloc_stats st;

			exhaust(f, &P, sizes[k], 1);
			if (sizes[k] <= f->st0.largest_free && P.n == 0)
				fail_msg("%s/%s: no alloc(%zu) fit although largest_free was %zu",
				         OPS->name, f->cfg->label, sizes[k], f->st0.largest_free);
			check_valid(f, "exhaustion");
			st = check_stats(f, P.req_sum, "exhaustion");
			if (st.largest_free >= sizes[k])
				fail_msg("%s/%s: alloc(%zu, 1) -> ENOMEM but largest_free is %zu",
				         OPS->name, f->cfg->label, sizes[k], st.largest_free);
			check_pool(f, &P, "exhaustion");
			free_in_order(f, &P, order);
			expect_recovered(f, &f->st0, "exhaustion freed");
		}
	}
	pool_fini(&P);
}

static void t_exhaust_mixed(void **state)
{
	struct fix *f = *state;
	struct pool P;
	int round;

	pool_init(&P);
	for (round = 0; round < 6; round++) {
		unsigned fails = 0;

		rng_seed(0x3000 + round);
		while (fails < 64) {
			size_t size = rng_below(4) ? 1 + rng_below(256) : 1 + rng_below(4096);
			size_t align = rng_below(4) ? 1 : (size_t)1 << rng_below(10);
			int r = pool_alloc(f, &P, size, align);

			if (r == -ENOMEM)
				fails++;
			else if (r != 0)
				fail_msg("%s/%s: alloc(%zu, %zu) -> %s", OPS->name, f->cfg->label,
				         size, align, errno_name(r));
			/* A few frees on the way make holes of all sizes. */
			if (round & 1 && P.n && rng_below(5) == 0)
				pool_free(f, &P, rng_below(P.n));
		}
		/* Top up with the smallest request until nothing fits. */
		exhaust(f, &P, 1, 1);
		check_valid(f, "mixed exhaustion");
		check_stats(f, P.req_sum, "mixed exhaustion");
		check_pool(f, &P, "mixed exhaustion");
		free_in_order(f, &P, round % 4);
		expect_recovered(f, &f->st0, "mixed exhaustion freed");
	}
	pool_fini(&P);
}

/* ---- add_region ------------------------------------------------------------ */

static void t_add_region(void **state)
{
	struct fix *f = *state;
	size_t sz2 = 64 * 1024;
	unsigned char *r2 = guarded_buffer(f, sz2, 0);
	struct byte_alloc_stats st, st1;
	struct pool P;
	size_t i, in2 = 0, lf2;
	int r;

	assert_non_null(r2);
	if (!OPS->add_region)
		skip();
	lf2 = lone_largest_free(f, r2, sz2);
	r = OPS->add_region(f->state, r2, sz2);
	if (r == -ENOTSUP)
		skip();
	if (r != 0)
		fail_msg("%s/%s: add_region(64K) -> %s", OPS->name, f->cfg->label, errno_name(r));
	add_managed(f, r2, sz2);
	check_valid(f, "add_region");
	st1 = check_stats(f, 0, "add_region");
	assert_int_equal(st1.used, 0);
	assert_true(st1.total > f->st0.total);
	assert_true(st1.available > f->st0.available);
	assert_true(st1.largest_free >= MIN(f->st0.largest_free, lf2));

	/* Overlapping regions are refused and change nothing. */
	{
		static const struct {
			ptrdiff_t off;
			size_t len;
		} bad[] = {{0, 4096}, {64, 4096}, {-64, 128}, {-4096, 8192}};
		unsigned char *bases[2] = {f->heap, r2};
		size_t sizes[2] = {f->cfg->size, sz2};
		unsigned k, b;

		for (b = 0; b < 2; b++) {
			for (k = 0; k < ARRAY_SIZE(bad); k++) {
				r = OPS->add_region(f->state, bases[b] + bad[k].off, bad[k].len);
				if (r != -EOVERLAP)
					fail_msg("%s/%s: overlapping add_region(%+td, %zu) -> %s",
					         OPS->name, f->cfg->label, bad[k].off, bad[k].len,
					         errno_name(r));
			}
			r = OPS->add_region(f->state, bases[b], sizes[b]);
			if (r != -EOVERLAP)
				fail_msg("%s/%s: re-adding a region -> %s", OPS->name,
				         f->cfg->label, errno_name(r));
			r = OPS->add_region(f->state, bases[b] + sizes[b] - 64, 4096);
			if (r != -EOVERLAP)
				fail_msg("%s/%s: add_region over a region's tail -> %s", OPS->name,
				         f->cfg->label, errno_name(r));
		}
		r = OPS->add_region(f->state, NULL, 4096);
		assert_int_not_equal(r, 0);
		st = get_stats(f);
		assert_memory_equal(&st, &st1, sizeof(st));
		check_valid(f, "refused add_region");
	}

	/* Both regions serve allocations; full recovery afterwards. */
	pool_init(&P);
	exhaust(f, &P, 256, 1);
	for (i = 0; i < P.n; i++)
		if ((uintptr_t)P.b[i].p >= (uintptr_t)r2 &&
		    (uintptr_t)P.b[i].p < (uintptr_t)r2 + sz2)
			in2++;
	if (in2 == 0)
		fail_msg("%s/%s: nothing was allocated from the added region", OPS->name,
		         f->cfg->label);
	check_pool(f, &P, "two regions");
	check_stats(f, P.req_sum, "two regions");
	pool_shuffle(&P);
	pool_free_all(f, &P);
	expect_recovered_regions(f, &st1, MIN(f->st0.largest_free, lf2),
	                         MAX(f->st0.largest_free, lf2), "two regions freed");
	pool_fini(&P);
}

/* A region that touches another one end to end is disjoint, hence accepted. */
static void t_add_adjacent_region(void **state)
{
	struct fix *f = *state;
	size_t half = ALIGN_DOWN(f->cfg->size / 2, (size_t)16);
	void *saved_state = f->state;
	struct byte_alloc_stats saved0 = f->st0, st1;
	struct pool P;
	size_t lf_a, lf_b;
	void *st2;
	int r;

	if (!OPS->add_region)
		skip();
	/* A fresh state over the first half of the fixture's region; then the second half. */
	lf_a = lone_largest_free(f, f->heap, half);
	lf_b = lone_largest_free(f, f->heap + half, f->cfg->size - half);
	st2 = aligned_alloc(16, f->state_bytes);
	assert_non_null(st2);
	memset(st2, 0x5a, f->state_bytes);
	r = OPS->init(st2, f->heap, half);
	if (r != 0)
		fail_msg("%s/%s: init over half the region -> %s", OPS->name, f->cfg->label,
		         errno_name(r));
	r = OPS->add_region(st2, f->heap + half, f->cfg->size - half);
	if (r == -ENOTSUP) {
		free(st2);
		skip();
	}
	if (r != 0)
		fail_msg("%s/%s: add_region touching the first region -> %s", OPS->name,
		         f->cfg->label, errno_name(r));
	f->state = st2;
	OPS->stats(st2, &st1);
	f->st0 = st1;
	check_valid(f, "adjacent add_region");
	check_stats(f, 0, "adjacent add_region");
	assert_int_equal(OPS->add_region(st2, f->heap + half - 16, 64), -EOVERLAP);
	pool_init(&P);
	rng_seed(0xad);
	exhaust(f, &P, 100, 1);
	check_pool(f, &P, "adjacent regions");
	pool_shuffle(&P);
	pool_free_all(f, &P);
	expect_recovered_regions(f, &st1, MIN(lf_a, lf_b), MAX(lf_a, lf_b),
	                         "adjacent regions freed");
	pool_fini(&P);
	f->state = saved_state;
	f->st0 = saved0;
	free(st2);
}

/* ---- resize_in_place ------------------------------------------------------- */

static bool resize_supported(struct fix *f)
{
	unsigned char *p;
	int r;

	if (!OPS->resize_in_place)
		return false;
	assert_int_equal(raw_alloc(f, 32, 1, &p), 0);
	r = OPS->resize_in_place(f->state, p, 32, 32, 1);
	assert_int_equal(OPS->free(f->state, p, 32, 1), 0);
	if (r == -ENOTSUP)
		return false;
	if (r != 0)
		fail_msg("%s/%s: resize_in_place to the same size -> %s", OPS->name, f->cfg->label,
		         errno_name(r));
	return true;
}

/* Resize P->b[i] to new_size; checks every answer; returns the result. */
static int pool_resize(struct fix *f, struct pool *P, size_t i, size_t new_size)
{
	struct blk *b = &P->b[i];
	size_t old = b->size;
	int r = OPS->resize_in_place(f->state, b->p, old, new_size, b->align);

	if (r == 0) {
		if (!in_regions(f, b->p, new_size))
			fail_msg("%s/%s: resize_in_place(%p, %zu -> %zu) leaves the region",
			         OPS->name, f->cfg->label, (void *)b->p, old, new_size);
		expect_intact(f, b, MIN(old, new_size), "resize_in_place");
		if (OPS->usable_size(f->state, b->p) < new_size)
			fail_msg("%s/%s: resize_in_place(%p, %zu -> %zu) left usable_size %zu",
			         OPS->name, f->cfg->label, (void *)b->p, old, new_size,
			         OPS->usable_size(f->state, b->p));
		b->size = new_size;
		P->req_sum = P->req_sum - old + new_size;
		if (new_size > old)
			fill_range(b, old, new_size);
	} else if (r != -ENOMEM) {
		fail_msg("%s/%s: resize_in_place(%zu -> %zu) -> %s", OPS->name, f->cfg->label, old,
		         new_size, errno_name(r));
	}
	return r;
}

static void t_resize(void **state)
{
	struct fix *f = *state;
	struct pool P;
	struct byte_alloc_stats st;
	size_t i;
	int r;

	if (!resize_supported(f))
		skip();
	pool_init(&P);
	for (i = 0; i < 6; i++)
		assert_int_equal(pool_alloc(f, &P, 100, 1), 0);
	qsort(P.b, P.n, sizeof(*P.b), blk_cmp);

	/* Bad arguments. */
	st = get_stats(f);
	assert_int_equal(OPS->resize_in_place(f->state, P.b[0].p, 100, 0, 1), -EINVAL);
	r = OPS->resize_in_place(f->state, P.b[0].p, 100, SIZE_MAX, 1);
	assert_true(r == -EINVAL || r == -ENOMEM);
	r = OPS->resize_in_place(f->state, P.b[0].p, 100, SIZE_MAX - 8, 1);
	assert_true(r == -EINVAL || r == -ENOMEM);
	r = OPS->resize_in_place(f->state, P.b[0].p + 16, 100, 50, 1);
	assert_true(r == -ENOTALLOC || r == -EINVAL);
	r = OPS->resize_in_place(f->state, NULL, 100, 50, 1);
	assert_true(r == -ENOTALLOC || r == -EINVAL);
	r = OPS->resize_in_place(f->state, f->heap - 64, 100, 50, 1);
	assert_true(r == -ENOTALLOC || r == -EINVAL);
	{
		struct byte_alloc_stats now = get_stats(f);

		assert_memory_equal(&now, &st, sizeof(st));
	}
	check_valid(f, "bad resizes");

	/* Shrink, grow back, grow into a freed neighbour. */
	for (i = 0; i < P.n; i++) {
		pool_resize(f, &P, i, 10);
		check_valid(f, "shrink");
		pool_resize(f, &P, i, 100);
		check_valid(f, "grow back");
	}
	check_pool(f, &P, "shrink/grow");
	/* Free block 2 so block 1's next neighbour is free (in address order). */
	{
		struct blk b2 = P.b[2];

		expect_intact(f, &b2, b2.size, "before free");
		assert_int_equal(OPS->free(f->state, b2.p, b2.size, b2.align), 0);
		memmove(&P.b[2], &P.b[3], (P.n - 3) * sizeof(*P.b));
		P.n--;
		P.req_sum -= b2.size;
	}
	r = pool_resize(f, &P, 1, 180);
	check_valid(f, "grow into free neighbour");
	check_pool(f, &P, "grow into free neighbour");
	r = pool_resize(f, &P, 1, 40);
	check_valid(f, "shrink after grow");
	check_stats(f, P.req_sum, "resizes");
	/* Random resizes. */
	rng_seed(0x5e);
	for (i = 0; i < 2000; i++) {
		if (P.n < 4 || rng_below(3) == 0) {
			r = pool_alloc(f, &P, 1 + rng_below(300), (size_t)1 << rng_below(7));
			assert_true(r == 0 || r == -ENOMEM);
		} else if (rng_below(4) == 0) {
			pool_free(f, &P, rng_below(P.n));
		} else {
			size_t k = rng_below(P.n);

			pool_resize(f, &P, k, 1 + rng_below(2 * P.b[k].size + 64));
		}
		if (i % 100 == 0) {
			check_valid(f, "random resizes");
			check_stats(f, P.req_sum, "random resizes");
		}
	}
	check_pool(f, &P, "random resizes");
	pool_shuffle(&P);
	pool_free_all(f, &P);
	expect_recovered(f, &f->st0, "resizes freed");
	pool_fini(&P);
}

/* ---- random stress --------------------------------------------------------- */

struct stress_counts {
	size_t allocs, frees, enomem, resizes, peak_live;
	size_t peak_used;
};

static size_t stress_size(size_t large_max)
{
	uint64_t c = rng_below(100);

	if (c < 70)
		return 1 + rng_below(256);
	if (c < 97)
		return 1 + rng_below(4096);
	return 1 + rng_below(large_max);
}

static size_t stress_align(void)
{
	if (rng_below(100) < 65)
		return 1;
	return (size_t)1 << rng_below(13);
}

static void stress(struct fix *f, uint64_t seed, unsigned fill_pct)
{
	size_t nops = f->cfg->stress_ops;
	size_t target = f->st0.available / 100 * fill_pct;
	size_t large_max = MAX(f->st0.available / 6, (size_t)4096);
	bool can_resize = resize_supported(f);
	struct stress_counts c = {0};
	struct pool P;
	size_t op;

	pool_init(&P);
	rng_seed(seed);
	for (op = 0; op < nops; op++) {
		uint64_t dice = rng_below(100);
		bool want_alloc;

		if (P.n == 0)
			want_alloc = true;
		else if (fill_pct >= 100)
			want_alloc = dice < 75;
		else
			want_alloc = P.req_sum < target ? dice < 65 : dice < 35;

		if (can_resize && P.n && rng_below(100) < 4) {
			size_t k = rng_below(P.n);
			size_t old = P.b[k].size;
			size_t ns =
			    rng_below(2) ? 1 + rng_below(old) : old + 1 + rng_below(old + 64);

			if (pool_resize(f, &P, k, ns) == 0)
				c.resizes++;
		} else if (want_alloc) {
			size_t size = stress_size(large_max);
			size_t align = stress_align();
			int r = pool_alloc(f, &P, size, align);

			if (r == 0) {
				c.allocs++;
				if (P.n > c.peak_live)
					c.peak_live = P.n;
			} else if (r == -ENOMEM) {
				c.enomem++;
				if (align == 1 && (c.enomem & 7) == 0) {
					struct byte_alloc_stats st = get_stats(f);

					if (st.largest_free >= size)
						fail_msg("%s/%s stress: alloc(%zu, 1) -> ENOMEM, "
						         "largest_free %zu",
						         OPS->name, f->cfg->label, size,
						         st.largest_free);
					if (st.used > c.peak_used)
						c.peak_used = st.used;
				}
				if (fill_pct >= 100) {
					size_t k = 1 + rng_below(3);

					while (k-- && P.n) {
						pool_free(f, &P, rng_below(P.n));
						c.frees++;
					}
				}
			} else {
				fail_msg("%s/%s stress: alloc(%zu, %zu) -> %s", OPS->name,
				         f->cfg->label, size, align, errno_name(r));
			}
		} else {
			pool_free(f, &P, rng_below(P.n));
			c.frees++;
		}
		if ((op + 1) % 10000 == 0) {
			struct byte_alloc_stats st;

			check_valid(f, "stress");
			st = check_stats(f, P.req_sum, "stress");
			if (st.used > c.peak_used)
				c.peak_used = st.used;
			if ((op + 1) % 100000 == 0)
				check_pool(f, &P, "stress");
		}
	}
	check_valid(f, "stress end");
	check_stats(f, P.req_sum, "stress end");
	check_pool(f, &P, "stress end");
	print_message("%s/%s stress %u%%: %zu ops, %zu allocs, %zu frees, %zu resizes, "
	              "%zu ENOMEM, peak %zu live, peak used %zu of %zu available\n",
	              OPS->name, f->cfg->label, fill_pct, nops, c.allocs, c.frees, c.resizes,
	              c.enomem, c.peak_live, c.peak_used, f->st0.available);
	pool_shuffle(&P);
	pool_free_all(f, &P);
	expect_recovered(f, &f->st0, "stress freed");
	pool_fini(&P);
}

static void t_stress_half(void **state)
{
	stress(*state, 0x5eed0050, 50);
}

static void t_stress_full(void **state)
{
	stress(*state, 0x5eed0100, 100);
}

/* ---- main ------------------------------------------------------------------ */

struct test_def {
	const char *name;
	CMUnitTestFunction fn;
};

static const struct test_def defs[] = {
    {"init_state", t_init_state},       {"alignments", t_alignments},
    {"size_edges", t_size_edges},       {"bad_frees", t_bad_frees},
    {"exhaust_fixed", t_exhaust_fixed}, {"exhaust_mixed", t_exhaust_mixed},
    {"add_region", t_add_region},       {"add_adjacent_region", t_add_adjacent_region},
    {"resize_in_place", t_resize},      {"usable_size", t_usable_size},
    {"stress_half", t_stress_half},     {"stress_full", t_stress_full},
};

int main(void)
{
	size_t n = ARRAY_SIZE(defs) * ARRAY_SIZE(cfgs);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	char group[64];
	size_t i, j, k = 0;
	int rc;

	if (!tests)
		return 1;
	for (j = 0; j < ARRAY_SIZE(cfgs); j++)
		for (i = 0; i < ARRAY_SIZE(defs); i++) {
			char *name = malloc(96);

			if (!name)
				return 1;
			snprintf(name, 96, "%s/%s", defs[i].name, cfgs[j].label);
			tests[k].name = name;
			tests[k].test_func = defs[i].fn;
			tests[k].setup_func = setup;
			tests[k].teardown_func = teardown;
			tests[k].initial_state = (void *)&cfgs[j];
			k++;
		}
	snprintf(group, sizeof(group), "conformance_%s", OPS->name);
	/* CONFORMANCE_FILTER='stress*' runs a subset (cmocka's glob on test names). */
	if (getenv("CONFORMANCE_FILTER"))
		cmocka_set_test_filter(getenv("CONFORMANCE_FILTER"));
	rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free((void *)tests[i].name);
	free(tests);
	return rc;
}
