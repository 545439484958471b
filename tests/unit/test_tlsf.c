// SPDX-License-Identifier: MIT
/*
 * TLSF-specific tests: the mapping functions at their edges, coalescing, in-place
 * resize, aligned allocation's leading free block, regions and sentinels, the O(1)
 * pointer checks and the validator catching scribbled metadata. The behaviour every
 * byte allocator shares is in byte_conformance.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/tlsf.h>

#include "../../mm/tlsf_block.h" /* tlsf_same_list, the mapping shortcut free() relies on */

#define HEAP_SIZE (64 * 1024)

struct fx {
	struct tlsf t;
	unsigned char *mem;
	size_t size;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->size = HEAP_SIZE;
	f->mem = aligned_alloc(4096, 2 * HEAP_SIZE);
	if (!f->mem)
		return -1;
	memset(f->mem, 0xa5, 2 * HEAP_SIZE);
	if (tlsf_init(&f->t, f->mem, f->size) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->mem);
	free(f);
	return 0;
}

static void valid(const struct tlsf *t)
{
	char why[128] = "";
	int r = tlsf_validate(t, why, sizeof(why));

	if (r != 0)
		fail_msg("tlsf_validate -> %s: %s", errno_name(r), why);
}

static void *alloc_ok(struct tlsf *t, size_t size, size_t align)
{
	void *p = NULL;
	int r = tlsf_alloc(t, size, align, &p);

	if (r != 0)
		fail_msg("tlsf_alloc(%zu, %zu) -> %s", size, align, errno_name(r));
	assert_true(((uintptr_t)p & (MAX(align, TLSF_ALIGN) - 1)) == 0);
	memset(p, 0x5c, size);
	return p;
}

static size_t largest_free(const struct tlsf *t)
{
	struct byte_alloc_stats st;

	tlsf_stats(t, &st);
	return st.largest_free;
}

/* Lower bound of list (fl, sl): the smallest block size that maps there. */
static size_t list_lower_bound(unsigned fl, unsigned sl)
{
	size_t base, step;

	if (fl == 0)
		return (size_t)sl << TLSF_ALIGN_LOG2;
	base = (size_t)1 << (fl + TLSF_FL_SHIFT - 1);
	step = base >> TLSF_SL_LOG2;
	return base + sl * step;
}

static int list_cmp(unsigned fa, unsigned sa, unsigned fb, unsigned sb)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return sa < sb ? -1 : sa > sb;
}

/* The block header of payload p, as include/bora/tlsf.h lays it out. */
static size_t header_size(const void *p)
{
	uint64_t w;

	memcpy(&w, (const unsigned char *)p - 8, 8);
	return (size_t)(w & ((((uint64_t)1 << TLSF_BLOCK_LOG2) - 1) & ~(uint64_t)7));
}

static bool header_free(const void *p)
{
	uint64_t w;

	memcpy(&w, (const unsigned char *)p - 8, 8);
	return w & 1;
}

/* ---- mapping ------------------------------------------------------------------------ */

static void mapping_edges(void **state)
{
	unsigned fl, sl;
	size_t s;

	(void)state;
	/* Small blocks: fl 0, one list per 8 bytes (a search is for a size >= 1). */
	for (s = 0; s < TLSF_SMALL_BLOCK; s += TLSF_ALIGN) {
		tlsf_map_insert(s, &fl, &sl);
		assert_int_equal(fl, 0);
		assert_int_equal(sl, s / TLSF_ALIGN);
		if (!s)
			continue;
		tlsf_map_search(s, &fl, &sl);
		assert_int_equal(fl, 0);
		assert_int_equal(sl, s / TLSF_ALIGN);
	}
	tlsf_map_insert(TLSF_SMALL_BLOCK - TLSF_ALIGN, &fl, &sl);
	assert_int_equal(fl, 0);
	assert_int_equal(sl, TLSF_SL_COUNT - 1);
	tlsf_map_insert(TLSF_SMALL_BLOCK, &fl, &sl);
	assert_int_equal(fl, 1);
	assert_int_equal(sl, 0);
	tlsf_map_insert(2 * TLSF_SMALL_BLOCK - 1, &fl, &sl);
	assert_int_equal(fl, 1);
	assert_int_equal(sl, TLSF_SL_COUNT - 1);
	tlsf_map_insert(2 * TLSF_SMALL_BLOCK, &fl, &sl);
	assert_int_equal(fl, 2);
	assert_int_equal(sl, 0);
	/* The largest block maps to the last list. */
	tlsf_map_insert(TLSF_BLOCK_MAX, &fl, &sl);
	assert_int_equal(fl, TLSF_FL_COUNT - 1);
	assert_int_equal(sl, TLSF_SL_COUNT - 1);
	/* A power of two starts a class; one below ends the previous class. */
	for (s = TLSF_SMALL_BLOCK; s <= ((size_t)1 << (TLSF_BLOCK_LOG2 - 1)); s <<= 1) {
		tlsf_map_insert(s, &fl, &sl);
		assert_int_equal(fl, (unsigned)(ilog2_u64(s) - TLSF_FL_SHIFT + 1));
		assert_int_equal(sl, 0);
		assert_int_equal(list_lower_bound(fl, sl), s);
		tlsf_map_insert(s - TLSF_ALIGN, &fl, &sl);
		assert_int_equal(sl, TLSF_SL_COUNT - 1);
		tlsf_map_search(s, &fl, &sl); /* exact boundaries are not rounded */
		assert_int_equal(list_lower_bound(fl, sl), s);
		tlsf_map_search(s + TLSF_ALIGN, &fl, &sl);
		assert_int_equal(list_lower_bound(fl, sl), s + (s >> TLSF_SL_LOG2));
	}
	/* request_block_size: header, 8-byte rounding, minimum block. */
	assert_int_equal(tlsf_request_block_size(1), TLSF_MIN_BLOCK);
	assert_int_equal(tlsf_request_block_size(24), 32);
	assert_int_equal(tlsf_request_block_size(25), 40);
	assert_int_equal(tlsf_request_block_size(40), 48);
	assert_int_equal(tlsf_request_block_size(41), 56);
	assert_int_equal(tlsf_request_block_size(64), 72);
	assert_int_equal(tlsf_request_block_size(TLSF_ALLOC_MAX), TLSF_BLOCK_MAX);
	assert_int_equal(tlsf_request_block_size(TLSF_ALLOC_MAX + 1), 0);
	assert_int_equal(tlsf_request_block_size(SIZE_MAX), 0);
}

/* insert is monotonic and tiles the size axis; search returns the first list whose
 * every block is large enough. */
static void check_size(size_t s, unsigned *pfl, unsigned *psl)
{
	unsigned fl, sl, sfl, ssl;
	size_t lb;

	tlsf_map_insert(s, &fl, &sl);
	assert_true(fl < TLSF_FL_COUNT && sl < TLSF_SL_COUNT);
	lb = list_lower_bound(fl, sl);
	assert_true(lb <= s);
	assert_true(list_cmp(fl, sl, *pfl, *psl) >= 0);
	*pfl = fl;
	*psl = sl;

	tlsf_map_search(s, &sfl, &ssl);
	if (sfl < TLSF_FL_COUNT) {
		assert_true(list_lower_bound(sfl, ssl) >= s);
		/* ...and the list before it would not be. */
		if (ssl > 0)
			assert_true(list_lower_bound(sfl, ssl - 1) < s);
		else if (sfl > 0)
			assert_true(list_lower_bound(sfl - 1, TLSF_SL_COUNT - 1) < s);
	}
}

static void mapping_sweep(void **state)
{
	unsigned pfl = 0, psl = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t s;
	int i;

	(void)state;
	for (s = 0; s <= 256 * 1024; s += TLSF_ALIGN)
		check_size(s, &pfl, &psl);
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s = (size_t)(x % TLSF_BLOCK_MAX) & ~(TLSF_ALIGN - 1);
		pfl = psl = 0;
		check_size(s, &pfl, &psl);
	}
}

/* ---- coalescing --------------------------------------------------------------------- */

/*
 * free() decides whether a merged block stays on its neighbour's list with
 * tlsf_same_list instead of mapping both sizes: it must agree with the mapping
 * for every pair of block sizes a < b (exhaustively for small sizes, then
 * sampled up to the largest class).
 */
static void same_list_matches_the_mapping(void **state)
{
	uint64_t x = 0x243f6a8885a308d3ULL;

	(void)state;
	for (size_t a = TLSF_MIN_BLOCK; a < ((size_t)1 << 15); a += TLSF_ALIGN) {
		for (size_t b = a + TLSF_ALIGN; b <= a + 2048; b += TLSF_ALIGN) {
			unsigned fa, sa, fb, sb;

			tlsf_map_insert(a, &fa, &sa);
			tlsf_map_insert(b, &fb, &sb);
			if (tlsf_same_list(a, b) != (fa == fb && sa == sb))
				fail_msg("same_list(%zu, %zu) = %d, lists (%u,%u) (%u,%u)", a, b,
				         tlsf_same_list(a, b), fa, sa, fb, sb);
		}
	}
	for (int i = 0; i < 1000000; i++) {
		size_t a, b;
		unsigned fa, sa, fb, sb;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a = ((x >> (x & 31)) % (TLSF_BLOCK_MAX - TLSF_MIN_BLOCK) + TLSF_MIN_BLOCK) &
		    ~(TLSF_ALIGN - 1);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b = a + ((x >> (x & 63)) % (TLSF_BLOCK_MAX - a) & ~(TLSF_ALIGN - 1));
		if (b <= a)
			continue;
		tlsf_map_insert(a, &fa, &sa);
		tlsf_map_insert(b, &fb, &sb);
		if (tlsf_same_list(a, b) != (fa == fb && sa == sb))
			fail_msg("same_list(%zu, %zu) = %d, lists (%u,%u) (%u,%u)", a, b,
			         tlsf_same_list(a, b), fa, sa, fb, sb);
	}
}

static void coalesce_both_neighbours(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	size_t lf0 = largest_free(t);
	unsigned char *a, *b, *c, *d, *m;
	size_t sa, sb, sc;

	assert_int_equal(t->nfree, 1);
	a = alloc_ok(t, 100, 1);
	b = alloc_ok(t, 200, 1);
	c = alloc_ok(t, 300, 1);
	d = alloc_ok(t, 50, 1);
	sa = tlsf_usable_size(t, a);
	sb = tlsf_usable_size(t, b);
	sc = tlsf_usable_size(t, c);
	assert_true(sa >= 100 && sb >= 200 && sc >= 300);
	/* Physically consecutive, 8 bytes of header apart. */
	assert_ptr_equal(b, a + sa + 8);
	assert_ptr_equal(c, b + sb + 8);
	assert_int_equal(t->nfree, 1);

	assert_int_equal(tlsf_free(t, a, 100, 1), 0);
	assert_int_equal(tlsf_free(t, c, 300, 1), 0);
	assert_int_equal(t->nfree, 3);
	valid(t);
	{
		uint64_t hb, hc;

		memcpy(&hb, b - 8, 8);
		memcpy(&hc, c - 8, 8);
		assert_int_equal(tlsf_free(t, b, 200, 1), 0);
		/* The absorbed headers of b and c were overwritten, not left to be found. */
		assert_memory_not_equal(&hb, b - 8, 8);
		assert_memory_not_equal(&hc, c - 8, 8);
	}
	/* a, b and c are one block again: one header survives. */
	assert_int_equal(t->nfree, 2);
	valid(t);
	assert_int_equal(header_size(a), (sa + 8) + (sb + 8) + (sc + 8));
	assert_true(header_free(a));
	(void)m;

	/* d sits between the merged block and the tail: freeing it leaves one block. */
	assert_int_equal(tlsf_free(t, d, 50, 1), 0);
	assert_int_equal(t->nfree, 1);
	assert_int_equal(t->used_bytes, 0);
	assert_int_equal(largest_free(t), lf0);
	valid(t);
}

static void coalesce_prev_then_next(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	unsigned char *p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = alloc_ok(t, 64, 1);
	/* Free odd blocks, then even ones in reverse: every free merges. */
	for (i = 1; i < 8; i += 2)
		assert_int_equal(tlsf_free(t, p[i], 64, 1), 0);
	valid(t);
	assert_int_equal(t->nfree, 4); /* p[7] merged into the tail */
	for (i = 6; i >= 0; i -= 2) {
		assert_int_equal(tlsf_free(t, p[i], 64, 1), 0);
		valid(t);
	}
	assert_int_equal(t->nfree, 1);
	assert_int_equal(t->nblocks - t->nfree, 0);
}

/* ---- resize --------------------------------------------------------------------------- */

static void resize_grow_shrink(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	unsigned char *a, *b, *c;
	size_t sa, sb;
	int i;

	a = alloc_ok(t, 100, 1);
	b = alloc_ok(t, 100, 1);
	c = alloc_ok(t, 100, 1);
	sa = tlsf_usable_size(t, a);
	sb = tlsf_usable_size(t, b);
	for (i = 0; i < 100; i++)
		a[i] = (unsigned char)i;

	/* Next block used: cannot grow. */
	assert_int_equal(tlsf_resize_in_place(t, a, 100, sa + 1, 1), -ENOMEM);
	/* Within the block: fine, nothing moves. */
	assert_int_equal(tlsf_resize_in_place(t, a, 100, sa, 1), 0);
	assert_int_equal(tlsf_usable_size(t, a), sa);

	/* Grow into the freed neighbour, exactly and then not enough. */
	assert_int_equal(tlsf_free(t, b, 100, 1), 0);
	assert_int_equal(tlsf_resize_in_place(t, a, 100, sa + sb + 8 + 1, 1), -ENOMEM);
	assert_int_equal(tlsf_resize_in_place(t, a, 100, 150, 1), 0);
	valid(t);
	assert_true(tlsf_usable_size(t, a) >= 150);
	assert_int_equal(t->nfree, 2); /* the rest of b, and the tail */
	for (i = 0; i < 100; i++)
		assert_int_equal(a[i], (unsigned char)i);
	assert_int_equal(tlsf_resize_in_place(t, a, 150, sa + sb + 8, 1), 0);
	assert_int_equal(tlsf_usable_size(t, a), sa + sb + 8);
	assert_int_equal(t->nfree, 1);
	valid(t);

	/* Shrink: the tail becomes a free block. */
	assert_int_equal(tlsf_resize_in_place(t, a, sa + sb + 8, 20, 1), 0);
	assert_int_equal(tlsf_usable_size(t, a), TLSF_MIN_BLOCK - 8);
	assert_int_equal(t->nfree, 2);
	valid(t);
	/* Shrinking by less than a minimum block next to a used block keeps it whole. */
	{
		/* The filler takes the rest of a's old block, so a and g come from the tail. */
		unsigned char *filler = alloc_ok(t, (sa + sb + 8) - (TLSF_MIN_BLOCK - 8) - 8, 1);
		unsigned char *g;

		a = alloc_ok(t, 200, 1);
		g = alloc_ok(t, 8, 1);
		assert_ptr_equal(g, a + tlsf_usable_size(t, a) + 8);
		(void)filler;

		sa = tlsf_usable_size(t, a);
		assert_int_equal(tlsf_resize_in_place(t, a, 200, sa - 16, 1), 0);
		assert_int_equal(tlsf_usable_size(t, a), sa);
		/* Next to a free block, even 16 bytes go back to it. */
		assert_int_equal(tlsf_free(t, g, 8, 1), 0);
		assert_int_equal(tlsf_resize_in_place(t, a, 200, sa - 16, 1), 0);
		assert_int_equal(tlsf_usable_size(t, a), sa - 16);
		valid(t);
	}
	/* Shrinking next to a free block merges the tail into it. */
	{
		size_t nfree = t->nfree;
		unsigned char *d = alloc_ok(t, 300, 1);
		unsigned char *e = alloc_ok(t, 16, 1);

		assert_int_equal(tlsf_free(t, e, 16, 1), 0); /* e merges into the tail */
		nfree = t->nfree;
		assert_int_equal(tlsf_resize_in_place(t, d, 300, 10, 1), 0);
		assert_int_equal(t->nfree, nfree);
		valid(t);
		assert_int_equal(tlsf_free(t, d, 10, 1), 0);
	}
	/* Bad arguments. */
	assert_int_equal(tlsf_resize_in_place(t, c, 100, 0, 1), -EINVAL);
	assert_int_equal(tlsf_resize_in_place(t, c, 100, SIZE_MAX, 1), -EINVAL);
	assert_int_equal(tlsf_resize_in_place(t, c + 16, 100, 10, 1), -ENOTALLOC);
	assert_int_equal(tlsf_resize_in_place(t, c, 100000, 10, 1), -EINVAL);
	assert_int_equal(tlsf_free(t, a, 0, 1), 0);
	assert_int_equal(tlsf_free(t, c, 100, 1), 0);
	assert_int_equal(tlsf_free(t, a, 20, 1), -ENOTALLOC);
	valid(t);
}

/* ---- aligned allocation --------------------------------------------------------------- */

static void aligned_leaves_free_gap(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	unsigned char *x, *p, *g;
	size_t a, nfree;

	for (a = 32; a <= 4096; a <<= 1) {
		x = alloc_ok(t, 1, 1); /* so the free block's payload is not aligned by luck */
		nfree = t->nfree;
		p = alloc_ok(t, 64, a);
		valid(t);
		if ((uintptr_t)(x + tlsf_usable_size(t, x) + 8) != (uintptr_t)p) {
			size_t gap = (uintptr_t)p - 8 - ((uintptr_t)x + tlsf_usable_size(t, x));

			/* A leading gap: it is a free block of its own, big enough to use. */
			assert_true(gap >= TLSF_MIN_BLOCK);
			assert_int_equal(t->nfree, nfree + 1);
			g = x + tlsf_usable_size(t, x) + 8;
			assert_true(header_free(g));
			assert_int_equal(header_size(g), gap);
			/* Small gaps sit in exact lists, so good fit picks them first. */
			if (gap < TLSF_SMALL_BLOCK) {
				assert_ptr_equal(alloc_ok(t, gap - 8, 1), g);
				assert_int_equal(t->nfree, nfree);
				assert_int_equal(tlsf_free(t, g, gap - 8, 1), 0);
			}
		}
		assert_int_equal(tlsf_free(t, p, 64, a), 0);
		assert_int_equal(tlsf_free(t, x, 1, 1), 0);
		assert_int_equal(t->nfree, 1);
		valid(t);
	}
	/* Large alignments on a fresh heap are met whenever the heap can hold them. */
	p = alloc_ok(t, 100, 16384);
	assert_int_equal(tlsf_free(t, p, 100, 16384), 0);
	assert_int_equal(tlsf_alloc(t, 100, (size_t)1 << 20, (void **)&p), -ENOMEM);
	assert_int_equal(tlsf_alloc(t, 100, (size_t)1 << 62, (void **)&p), -EINVAL);
	assert_int_equal(tlsf_alloc(t, 100, 48, (void **)&p), -EINVAL);
	valid(t);
}

/* ---- regions ----------------------------------------------------------------------------- */

static void regions_never_merge(void **state)
{
	struct fx *f = *state;
	struct tlsf t2;
	unsigned char *m = f->mem; /* 2 * HEAP_SIZE bytes */
	struct byte_alloc_stats st;
	void *p;
	size_t lf1, lf;

	/* Two touching regions; the second is slightly larger. */
	assert_int_equal(tlsf_init(&t2, m, 4096), 0);
	lf1 = largest_free(&t2);
	assert_int_equal(tlsf_add_region(&t2, m + 4096, 8192), 0);
	valid(&t2);
	assert_int_equal(t2.nfree, 2);
	lf = largest_free(&t2);
	assert_true(lf > lf1);
	tlsf_stats(&t2, &st);
	assert_int_equal(st.total, 4096 + 8192);
	/* Each region has a sentinel and a header: metadata is honest. */
	assert_int_equal(st.metadata, st.total - st.available);
	assert_true(st.metadata >= 4 * 8);
	/* The combined space would fit, but blocks never span regions. */
	assert_int_equal(tlsf_alloc(&t2, lf + 1, 1, &p), -ENOMEM);
	assert_int_equal(tlsf_alloc(&t2, lf1 + lf, 1, &p), -ENOMEM);
	/* Fill both regions, free everything: still two blocks. */
	{
		void *blk[1024];
		int n = 0, i;

		while (n < 1024 && tlsf_alloc(&t2, 40, 1, &blk[n]) == 0)
			n++;
		assert_true(n > 0 && n < 1024);
		valid(&t2);
		for (i = 0; i < n; i += 2)
			assert_int_equal(tlsf_free(&t2, blk[i], 40, 1), 0);
		for (i = 1; i < n; i += 2)
			assert_int_equal(tlsf_free(&t2, blk[i], 40, 1), 0);
	}
	valid(&t2);
	assert_int_equal(t2.nfree, 2);
	assert_int_equal(largest_free(&t2), lf);
	/* Overlaps and bad regions. */
	assert_int_equal(tlsf_add_region(&t2, m + 4000, 200), -EOVERLAP);
	assert_int_equal(tlsf_add_region(&t2, m + 8192, 100), -EOVERLAP);
	assert_int_equal(tlsf_add_region(&t2, m, 1), -EOVERLAP);
	assert_int_equal(tlsf_add_region(&t2, NULL, 4096), -EINVAL);
	assert_int_equal(tlsf_add_region(&t2, m + 3 * 4096, 0), -EINVAL);
	assert_int_equal(tlsf_add_region(&t2, m + 3 * 4096, 40), -EINVAL);
	assert_int_equal(tlsf_add_region(&t2, (void *)(UINTPTR_MAX - 64), 4096), -EINVAL);
	/* The table holds TLSF_MAX_REGIONS regions. */
	{
		unsigned i;
		unsigned char *q = m + 3 * 4096;

		for (i = t2.nregions; i < TLSF_MAX_REGIONS; i++, q += 256)
			assert_int_equal(tlsf_add_region(&t2, q, 256), 0);
		assert_int_equal(tlsf_add_region(&t2, q, 256), -ENOMEM);
		valid(&t2);
		/* Every region serves allocations. */
		while (tlsf_alloc(&t2, 100, 1, &p) == 0)
			;
		valid(&t2);
		tlsf_stats(&t2, &st);
		assert_true(st.largest_free < 100);
	}
}

/*
 * A forged header (the heap's cookie, FREE clear) inside a live block of the
 * lower of two regions, with a size that reaches past that region: free() of a
 * pointer after it must be refused without reading past the region's end. An
 * unreadable page between the regions turns such a read into a crash (a
 * fuzzer found it when the size was only bounded by the highest region).
 */
static void forged_size_stays_in_its_region(void **state)
{
	long pg = 4096;
	unsigned char *m =
	    mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct tlsf t2;
	uint64_t *blk, saved[2];
	void *p;

	(void)state;
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	assert_int_equal(tlsf_init(&t2, m, (size_t)pg), 0);
	assert_int_equal(tlsf_add_region(&t2, m + 2 * pg, 128), 0);
	/* The upper region is too small for the request: the block comes from the lower. */
	assert_int_equal(tlsf_alloc(&t2, 256, 1, &p), 0);
	assert_true((unsigned char *)p < m + pg);
	/* In p's payload: a header whose size ends in the unreadable page, and the pointer after
	 * it. */
	blk = (uint64_t *)p + 4;
	saved[0] = blk[0];
	saved[1] = blk[1];
	blk[0] = t2.cookie | (uint64_t)pg;
	assert_int_equal(tlsf_free(&t2, blk + 1, 0, 1), -ENOTALLOC);
	assert_int_equal(tlsf_usable_size(&t2, blk + 1), 0);
	assert_int_equal(tlsf_free_block(&t2, blk + 1), -ENOTALLOC);
	blk[0] = saved[0];
	blk[1] = saved[1];
	valid(&t2);
	assert_int_equal(tlsf_free(&t2, p, 256, 1), 0);
	valid(&t2);
	munmap(m, 3 * (size_t)pg);
}

static void unaligned_region_edges(void **state)
{
	struct fx *f = *state;
	size_t off;

	for (off = 1; off < 48; off++) {
		struct tlsf t2;
		struct byte_alloc_stats st;
		void *p;

		assert_int_equal(tlsf_init(&t2, f->mem + off, 1000 + off), 0);
		valid(&t2);
		tlsf_stats(&t2, &st);
		assert_int_equal(st.total, 1000 + off);
		assert_true(st.largest_free + 64 >= 1000 + off);
		assert_int_equal(tlsf_alloc(&t2, st.largest_free, 1, &p), 0);
		assert_true((unsigned char *)p >= f->mem + off);
		assert_true((unsigned char *)p + st.largest_free <= f->mem + off + 1000 + off);
		assert_int_equal(tlsf_free(&t2, p, st.largest_free, 1), 0);
	}
}

/* ---- pointer checks ------------------------------------------------------------------------ */

static void bad_pointers(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	unsigned char *a = alloc_ok(t, 100, 1);
	unsigned char *b = alloc_ok(t, 100, 1);
	uint64_t fake[8];
	size_t i;

	assert_int_equal(tlsf_free(t, NULL, 1, 1), -ENOTALLOC);
	assert_int_equal(tlsf_free(t, a + 8, 1, 1), -ENOTALLOC);
	assert_int_equal(tlsf_free(t, a + 1, 1, 1), -ENOTALLOC);
	assert_int_equal(tlsf_free(t, fake + 2, 1, 1), -ENOTALLOC);
	assert_int_equal(tlsf_free(t, a, tlsf_usable_size(t, a) + 1, 1), -EINVAL);
	assert_int_equal(tlsf_usable_size(t, a + 16), 0);
	assert_int_equal(tlsf_usable_size(t, a), 104);
	/* A plausible header without the heap's cookie is refused. */
	for (i = 16; i < 96; i += 8) {
		uint64_t w = 64 | ((uint64_t)0x123456 << 40);

		if ((w & ~(((uint64_t)1 << TLSF_BLOCK_LOG2) - 1)) == t->cookie)
			w ^= (uint64_t)1 << 50;
		memcpy(a + i - 8, &w, 8);
		assert_int_equal(tlsf_free(t, a + i, 1, 1), -ENOTALLOC);
	}
#ifdef CONFIG_ALLOC_DEBUG
	/*
	 * Forged with the cookie itself, a header and the next one: only the debug
	 * build's region walk sees that a + 32 is not where a block starts.
	 */
	{
		uint64_t w = 32 | t->cookie, wn = t->cookie;

		memcpy(a + 24, &w, 8);
		memcpy(a + 24 + 32, &wn, 8);
		assert_int_equal(tlsf_usable_size(t, a + 32), 0);
		assert_int_equal(tlsf_free(t, a + 32, 1, 1), -ENOTALLOC);
	}
#endif
	assert_int_equal(tlsf_free(t, b, 100, 1), 0);
	assert_int_equal(tlsf_free(t, b, 100, 1), -ENOTALLOC);
	assert_int_equal(tlsf_free(t, a, 100, 1), 0);
	assert_int_equal(tlsf_free(t, a, 100, 1), -ENOTALLOC);
	assert_int_equal(tlsf_free(t, b, 100, 1), -ENOTALLOC);
	valid(t);
	assert_int_equal(t->nfree, 1);
}

/* ---- validator --------------------------------------------------------------------------------
 */

static void expect_corrupt(const struct tlsf *t, const char *needle)
{
	char why[128] = "";
	int r = tlsf_validate(t, why, sizeof(why));

	if (r != -ECORRUPT)
		fail_msg("validate -> %s, want ECORRUPT (%s)", errno_name(r), needle);
	if (!strstr(why, needle))
		fail_msg("validate said \"%s\", want \"%s\"", why, needle);
}

static void validator_catches_scribbles(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	unsigned char *a = alloc_ok(t, 100, 1);
	unsigned char *b = alloc_ok(t, 100, 1);
	unsigned char *c = alloc_ok(t, 100, 1);
	uint64_t saved, *hb = (uint64_t *)(b - 8);
	struct tlsf copy;
	char tiny[4];

	(void)a;
	assert_int_equal(tlsf_free(t, b, 100, 1), 0);
	valid(t);

	/* A used block's size bits. */
	saved = *(uint64_t *)(c - 8);
	*(uint64_t *)(c - 8) ^= 0x100;
	expect_corrupt(t, "header cookie");
	assert_int_equal(tlsf_free(t, c, 100, 1), -ENOTALLOC); /* and free refuses it */
	*(uint64_t *)(c - 8) = saved;
	valid(t);

	/* A free block's FREE bit (not covered by the tag). */
	*hb &= ~(uint64_t)1;
	expect_corrupt(t, "PREV_FREE");
	*hb |= 1;
	valid(t);

	/* The footer of a free block. */
	{
		size_t bs = tlsf_usable_size(t, a) + 8; /* b's block has a's size */
		uint64_t *foot = (uint64_t *)((unsigned char *)hb + bs - 8);

		saved = *foot;
		*foot += 16;
		expect_corrupt(t, "footer");
		*foot = saved;
		valid(t);
	}

	/* A free-list link. */
	saved = hb[1];
	hb[1] = (uint64_t)(uintptr_t)(c - 8);
	expect_corrupt(t, "free list");
	hb[1] = saved;
	valid(t);

	/* Bitmaps and counters. */
	{
		unsigned fl, sl;

		tlsf_map_insert(tlsf_usable_size(t, a) + 8, &fl, &sl); /* b's list */
		memcpy(&copy, t, sizeof(copy));
		copy.fl_bitmap ^= (uint64_t)1 << fl;
		expect_corrupt(&copy, "bitmap");
		memcpy(&copy, t, sizeof(copy));
		copy.sl_bitmap[fl] &= ~(1u << sl);
		expect_corrupt(&copy, "bitmap");
		memcpy(&copy, t, sizeof(copy));
		copy.heads[fl * TLSF_SL_COUNT + sl] = 0;
		expect_corrupt(&copy, "bitmap");
	}
	memcpy(&copy, t, sizeof(copy));
	copy.used_bytes += 16;
	expect_corrupt(&copy, "used counter");
	memcpy(&copy, t, sizeof(copy));
	copy.nfree -= 1;
	expect_corrupt(&copy, "free counter");
	memcpy(&copy, t, sizeof(copy));
	copy.nregions = 0;
	expect_corrupt(&copy, "region count");

	/* A short message buffer is still terminated. */
	memcpy(&copy, t, sizeof(copy));
	copy.used_bytes++;
	assert_int_equal(tlsf_validate(&copy, tiny, sizeof(tiny)), -ECORRUPT);
	assert_int_equal(tiny[3], '\0');
	assert_int_equal(tlsf_validate(&copy, NULL, 0), -ECORRUPT);
	valid(t);
}

/* ---- largest_free is exact ------------------------------------------------------------------ */

static void largest_free_is_reachable(void **state)
{
	struct fx *f = *state;
	struct tlsf *t = &f->t;
	void *live[512];
	size_t n = 0, i;
	uint64_t x = 12345;

	for (i = 0; i < 20000; i++) {
		size_t lf;
		void *p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n < 512 && (x % 3 != 0 || n == 0)) {
			if (tlsf_alloc(t, 1 + (x >> 8) % 2000, 1, &live[n]) == 0)
				n++;
		} else {
			size_t k = (x >> 8) % n;

			assert_int_equal(tlsf_free(t, live[k], 0, 1), 0);
			live[k] = live[--n];
		}
		if (i % 97 == 0) {
			lf = largest_free(t);
			if (lf == 0)
				continue;
			assert_int_equal(tlsf_alloc(t, lf, 1, &p), 0);
			assert_int_equal(tlsf_free(t, p, lf, 1), 0);
			assert_int_equal(tlsf_alloc(t, lf + 1, 1, &p), -ENOMEM);
			/* Anything smaller fits too. */
			assert_int_equal(tlsf_alloc(t, lf / 2 + 1, 1, &p), 0);
			assert_int_equal(tlsf_free(t, p, 0, 1), 0);
		}
	}
	valid(t);
	while (n)
		assert_int_equal(tlsf_free(t, live[--n], 0, 1), 0);
	valid(t);
	assert_int_equal(t->nfree, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mapping_edges),
	    cmocka_unit_test(mapping_sweep),
	    cmocka_unit_test(same_list_matches_the_mapping),
	    cmocka_unit_test_setup_teardown(coalesce_both_neighbours, setup, teardown),
	    cmocka_unit_test_setup_teardown(coalesce_prev_then_next, setup, teardown),
	    cmocka_unit_test_setup_teardown(resize_grow_shrink, setup, teardown),
	    cmocka_unit_test_setup_teardown(aligned_leaves_free_gap, setup, teardown),
	    cmocka_unit_test_setup_teardown(regions_never_merge, setup, teardown),
	    cmocka_unit_test(forged_size_stays_in_its_region),
	    cmocka_unit_test_setup_teardown(unaligned_region_edges, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_pointers, setup, teardown),
	    cmocka_unit_test_setup_teardown(validator_catches_scribbles, setup, teardown),
	    cmocka_unit_test_setup_teardown(largest_free_is_reachable, setup, teardown),
	};
	return cmocka_run_group_tests_name("tlsf", tests, NULL, NULL);
}
