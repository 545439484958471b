// SPDX-License-Identifier: MIT
/*
 * Host tests for the bitmap page allocator. Managed ranges come from mmap with
 * MAP_NORESERVE so multi-GiB ranges cost only the metadata pages the
 * allocator writes; the tests never touch the pages they allocate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "xorshift.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bora/bitmap_page.h>
#include <bora/errno.h>

#define MiB (1024UL * 1024)
#define GiB (1024UL * MiB)

struct range {
	void *map;
	size_t map_len;
	uintptr_t base;
};

/* A range starting `skew` bytes after a `align`-aligned address. */
static struct range map_range(size_t size, size_t align, size_t skew)
{
	struct range r;
	uintptr_t a;

	r.map_len = size + align + skew;
	r.map = mmap(NULL, r.map_len, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(r.map != MAP_FAILED);
	a = ((uintptr_t)r.map + align - 1) & ~(uintptr_t)(align - 1);
	r.base = a + skew;
	return r;
}

static void unmap_range(struct range *r)
{
	munmap(r->map, r->map_len);
}

static void assert_valid(const struct bitmap_page *bp)
{
	char why[96] = "";
	int err = bitmap_page_validate(bp, why, sizeof(why));

	if (err)
		fail_msg("validate: %s", why);
}

static size_t avail(const struct bitmap_page *bp)
{
	struct page_alloc_stats st;

	bitmap_page_stats(bp, &st);
	assert_int_equal(st.total_pages, st.used_pages + st.available_pages + st.metadata_pages);
	return st.available_pages;
}

static void init_sizes_metadata_from_range(void **state)
{
	struct bitmap_page bp;
	struct page_alloc_stats st;
	struct range r = map_range(16 * MiB, PAGE_SIZE, 0);

	(void)state;
	/* Unaligned base and size are rounded inwards. */
	assert_int_equal(bitmap_page_init(&bp, r.base + 1, 16 * MiB - 2), 0);
	bitmap_page_stats(&bp, &st);
	assert_int_equal(bp.base, r.base + PAGE_SIZE);
	assert_int_equal(st.total_pages, 4096 - 2);
	/* 4094 leaf bits = 64 words, + 1 summary word + 1 all-free word: one page. */
	assert_int_equal(st.metadata_pages, 1);
	assert_int_equal(st.used_pages, 0);
	assert_int_equal(st.available_pages, 4094 - 1);
	assert_valid(&bp);

	assert_int_equal(bitmap_page_init(&bp, r.base, 0), -EINVAL);
	assert_int_equal(bitmap_page_init(&bp, r.base, PAGE_SIZE), -EINVAL);
	assert_int_equal(bitmap_page_init(&bp, r.base + 1, PAGE_SIZE), -EINVAL);
	assert_int_equal(bitmap_page_init(&bp, UINTPTR_MAX - 10, 100), -EINVAL);
	assert_int_equal(bitmap_page_init(&bp, r.base, SIZE_MAX), -EINVAL);
	assert_int_equal(bitmap_page_init(NULL, r.base, MiB), -EINVAL);
	/* Two pages: one for the bitmaps, one to hand out. */
	assert_int_equal(bitmap_page_init(&bp, r.base, 2 * PAGE_SIZE), 0);
	assert_int_equal(avail(&bp), 1);
	assert_valid(&bp);
	unmap_range(&r);
}

static void single_pages_come_lowest_first(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(4 * MiB, PAGE_SIZE, 0);
	uintptr_t a, first;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 4 * MiB), 0);
	first = r.base + bp.meta_pages * PAGE_SIZE;
	for (size_t i = 0; i < 200; i++) {
		assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), 0);
		assert_int_equal(a, first + i * PAGE_SIZE);
		assert_true(bitmap_page_is_allocated(&bp, a));
	}
	assert_int_equal(bitmap_page_free(&bp, first + 70 * PAGE_SIZE, 1), 0);
	assert_int_equal(bitmap_page_free(&bp, first + 130 * PAGE_SIZE, 1), 0);
	assert_false(bitmap_page_is_allocated(&bp, first + 70 * PAGE_SIZE + 5));
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), 0);
	assert_int_equal(a, first + 70 * PAGE_SIZE);
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), 0);
	assert_int_equal(a, first + 130 * PAGE_SIZE);
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), 0);
	assert_int_equal(a, first + 200 * PAGE_SIZE);
	assert_valid(&bp);
	unmap_range(&r);
}

static void runs_cross_word_boundaries_and_skip_holes(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(8 * MiB, PAGE_SIZE, 0);
	uintptr_t a, b, c, hole;
	size_t data;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 8 * MiB), 0);
	data = bp.meta_pages;
	/* 60 pages, then 100 pages that must straddle a 64-bit leaf word. */
	assert_int_equal(bitmap_page_alloc(&bp, 60, PAGE_SIZE, &a), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 100, PAGE_SIZE, &b), 0);
	assert_int_equal(b, a + 60 * PAGE_SIZE);
	for (size_t i = 0; i < 100; i++)
		assert_true(bitmap_page_is_allocated(&bp, b + i * PAGE_SIZE));
	assert_false(bitmap_page_is_allocated(&bp, b + 100 * PAGE_SIZE));
	/* A 10-page hole in front is too small for 20 pages; the hole is skipped. */
	assert_int_equal(bitmap_page_free(&bp, a + 10 * PAGE_SIZE, 10), 0);
	hole = a + 10 * PAGE_SIZE;
	assert_int_equal(bitmap_page_alloc(&bp, 20, PAGE_SIZE, &c), 0);
	assert_int_equal(c, b + 100 * PAGE_SIZE);
	assert_int_equal(bitmap_page_alloc(&bp, 10, PAGE_SIZE, &c), 0);
	assert_int_equal(c, hole);
	/* A run of several whole words (uses the all-free summary). */
	assert_int_equal(bitmap_page_alloc(&bp, 64 * 7 + 3, PAGE_SIZE, &c), 0);
	assert_int_equal(c, r.base + (data + 180) * PAGE_SIZE);
	assert_valid(&bp);
	unmap_range(&r);
}

/* Runs of 2..64 pages among holes inside one leaf word and across words. */
static void small_runs_in_fragmented_words(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(4 * MiB, PAGE_SIZE, 0);
	uintptr_t a;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 4 * MiB), 0);
	assert_int_equal(bp.meta_pages, 1);
	assert_int_equal(bitmap_page_alloc(&bp, 1023, PAGE_SIZE, &a), 0);
#define PG(i) (r.base + (uintptr_t)(i)*PAGE_SIZE)
	assert_int_equal(bitmap_page_free(&bp, PG(130), 2), 0);
	assert_int_equal(bitmap_page_free(&bp, PG(140), 2), 0);
	/* 190..193: only two pages in word 2, the run goes on into word 3. */
	assert_int_equal(bitmap_page_free(&bp, PG(190), 4), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 3, PAGE_SIZE, &a), 0);
	assert_int_equal(a, PG(190));
	assert_int_equal(bitmap_page_alloc(&bp, 2, PAGE_SIZE, &a), 0);
	assert_int_equal(a, PG(130));
	assert_int_equal(bitmap_page_alloc(&bp, 2, PAGE_SIZE, &a), 0);
	assert_int_equal(a, PG(140));
	assert_int_equal(bitmap_page_alloc(&bp, 2, PAGE_SIZE, &a), -ENOMEM);
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), 0);
	assert_int_equal(a, PG(193));
	/* A checkerboard has no 2-page run anywhere. */
	for (size_t i = 320; i < 1000; i += 2)
		assert_int_equal(bitmap_page_free(&bp, PG(i), 1), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 2, PAGE_SIZE, &a), -ENOMEM);
	/* Free all of word 6 (pages 384..447): with page 448 one 65-page run. */
	for (size_t i = 385; i < 448; i += 2)
		assert_int_equal(bitmap_page_free(&bp, PG(i), 1), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 66, PAGE_SIZE, &a), -ENOMEM);
	assert_int_equal(bitmap_page_alloc(&bp, 64, PAGE_SIZE, &a), 0);
	assert_int_equal(a, PG(384));
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), 0);
	assert_int_equal(a, PG(320));
#undef PG
	assert_valid(&bp);
	unmap_range(&r);
}

/* Aligned ADDRESSES when the range base is not aligned at all. */
static void alignment_is_of_the_address_with_odd_base(void **state)
{
	static const size_t skews[] = {PAGE_SIZE, 3 * PAGE_SIZE, 37 * PAGE_SIZE, 511 * PAGE_SIZE};

	(void)state;
	for (size_t s = 0; s < sizeof(skews) / sizeof(skews[0]); s++) {
		struct bitmap_page bp;
		struct range r = map_range(64 * MiB, 2 * MiB, skews[s]);

		assert_int_equal(bitmap_page_init(&bp, r.base, 64 * MiB), 0);
		for (size_t align = PAGE_SIZE; align <= 2 * MiB; align <<= 1) {
			uintptr_t a;

			assert_int_equal(bitmap_page_alloc(&bp, 3, align, &a), 0);
			assert_int_equal(a % align, 0);
			assert_true(a >= r.base + bp.meta_pages * PAGE_SIZE);
		}
		assert_valid(&bp);
		unmap_range(&r);
	}
}

/* 6 GiB managed, 1 GiB skew-free and skewed: gigapage- and megapage-aligned runs. */
static void large_aligned_runs_in_6gib(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(6 * GiB, GiB, 5 * PAGE_SIZE);
	uintptr_t giga[8], mega[16];
	size_t n = 0, before;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 6 * GiB), 0);
	before = avail(&bp);
	assert_int_equal(bp.nlevels, 4); /* 1.5M bits -> 24576 -> 384 -> 6 -> 1 word */
	/* The range starts 5 pages past a gigapage, so only 5 aligned GiB fit. */
	while (bitmap_page_alloc(&bp, GiB / PAGE_SIZE, GiB, &giga[n]) == 0) {
		assert_int_equal(giga[n] % GiB, 0);
		assert_true(giga[n] >= r.base && giga[n] + GiB <= r.base + 6 * GiB);
		n++;
	}
	assert_int_equal(n, 5);
	assert_valid(&bp);
	assert_int_equal(bitmap_page_free(&bp, giga[2], GiB / PAGE_SIZE), 0);
	for (size_t i = 0; i < 16; i++) {
		assert_int_equal(bitmap_page_alloc(&bp, 2 * MiB / PAGE_SIZE, 2 * MiB, &mega[i]), 0);
		assert_int_equal(mega[i] % (2 * MiB), 0);
	}
	/* First fit: the head below the first gigapage, past the metadata. */
	assert_int_equal(mega[0],
	                 (r.base + bp.meta_pages * PAGE_SIZE + 2 * MiB - 1) & ~(2 * MiB - 1));
	assert_int_equal(mega[15], mega[0] + 15 * 2 * MiB);
	assert_true(mega[15] < giga[0]);
	assert_int_equal(bitmap_page_alloc(&bp, 3 * GiB / PAGE_SIZE, PAGE_SIZE, &giga[7]), -ENOMEM);
	assert_valid(&bp);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(bitmap_page_free(&bp, mega[i], 2 * MiB / PAGE_SIZE), 0);
	for (size_t i = 0; i < n; i++)
		if (i != 2)
			assert_int_equal(bitmap_page_free(&bp, giga[i], GiB / PAGE_SIZE), 0);
	assert_int_equal(avail(&bp), before);
	assert_valid(&bp);
	/* Everything free again: one run of every usable page. */
	assert_int_equal(bitmap_page_alloc(&bp, before, PAGE_SIZE, &giga[0]), 0);
	assert_int_equal(giga[0], r.base + bp.meta_pages * PAGE_SIZE);
	assert_int_equal(avail(&bp), 0);
	assert_valid(&bp);
	unmap_range(&r);
}

static void exhaustion_and_full_recovery(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(8 * MiB + 3 * PAGE_SIZE, PAGE_SIZE, 0);
	static uintptr_t got[4096];
	size_t n = 0, total;
	uintptr_t a;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 8 * MiB + 3 * PAGE_SIZE), 0);
	total = avail(&bp);
	while (bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a) == 0)
		got[n++] = a;
	assert_int_equal(n, total);
	assert_int_equal(avail(&bp), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, &a), -ENOMEM);
	assert_valid(&bp);
	/* Free in an interleaved order to exercise summary updates both ways. */
	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(bitmap_page_free(&bp, got[i], 1), 0);
	assert_valid(&bp);
	assert_int_equal(bitmap_page_alloc(&bp, 2, PAGE_SIZE, &a), -ENOMEM);
	for (size_t i = 1; i < n; i += 2)
		assert_int_equal(bitmap_page_free(&bp, got[i], 1), 0);
	assert_int_equal(avail(&bp), total);
	assert_valid(&bp);
	assert_int_equal(bitmap_page_alloc(&bp, total, PAGE_SIZE, &a), 0);
	assert_int_equal(bitmap_page_free(&bp, a, total), 0);
	assert_valid(&bp);
	unmap_range(&r);
}

static void bad_frees_leave_state_untouched(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(4 * MiB, PAGE_SIZE, 0);
	uintptr_t a, b;
	size_t left;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 4 * MiB), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 8, PAGE_SIZE, &a), 0);
	left = avail(&bp);
	b = a + 8 * PAGE_SIZE; /* never handed out */
	assert_int_equal(bitmap_page_free(&bp, b, 1), -ENOTALLOC);
	/* A run that is half allocated: nothing changes. */
	assert_int_equal(bitmap_page_free(&bp, a + 4 * PAGE_SIZE, 8), -ENOTALLOC);
	assert_true(bitmap_page_is_allocated(&bp, a + 4 * PAGE_SIZE));
	assert_int_equal(avail(&bp), left);
	assert_int_equal(bitmap_page_free(&bp, r.base, 1), -ENOTALLOC); /* metadata */
	assert_int_equal(bitmap_page_free(&bp, a + 1, 1), -EINVAL);
	assert_int_equal(bitmap_page_free(&bp, a, 0), -EINVAL);
	assert_int_equal(bitmap_page_free(&bp, r.base - PAGE_SIZE, 1), -EINVAL);
	assert_int_equal(bitmap_page_free(&bp, r.base + 4 * MiB, 1), -EINVAL);
	assert_int_equal(bitmap_page_free(&bp, a, SIZE_MAX), -EINVAL);
	assert_int_equal(bitmap_page_free(&bp, a, 1024), -EINVAL);
	assert_int_equal(avail(&bp), left);
	assert_valid(&bp);
	assert_int_equal(bitmap_page_free(&bp, a, 8), 0);
	assert_int_equal(bitmap_page_free(&bp, a, 8), -ENOTALLOC); /* double free */
	assert_int_equal(bitmap_page_free(&bp, a + 3 * PAGE_SIZE, 1), -ENOTALLOC);
	assert_int_equal(avail(&bp), left + 8);
	assert_valid(&bp);
	unmap_range(&r);
}

static void bad_alloc_arguments(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(4 * MiB, PAGE_SIZE, PAGE_SIZE);
	uintptr_t a = 0x1234;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 4 * MiB), 0);
	assert_int_equal(bitmap_page_alloc(&bp, 0, PAGE_SIZE, &a), -EINVAL);
	assert_int_equal(bitmap_page_alloc(&bp, 1, 0, &a), -EINVAL);
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE / 2, &a), -EINVAL);
	assert_int_equal(bitmap_page_alloc(&bp, 1, 3 * PAGE_SIZE, &a), -EINVAL);
	assert_int_equal(bitmap_page_alloc(&bp, SIZE_MAX, PAGE_SIZE, &a), -EINVAL);
	assert_int_equal(bitmap_page_alloc(&bp, 1, PAGE_SIZE, NULL), -EINVAL);
	assert_int_equal(a, 0x1234); /* *out untouched on failure */
	assert_int_equal(bitmap_page_alloc(&bp, 1025, PAGE_SIZE, &a), -ENOMEM);
	/* A 2^62-aligned address is far above any user-space mapping. */
	assert_int_equal(bitmap_page_alloc(&bp, 1, (size_t)1 << 62, &a), -ENOMEM);
	assert_int_equal(a, 0x1234);
	assert_int_equal(avail(&bp), 1024 - bp.meta_pages);
	assert_valid(&bp);
	unmap_range(&r);
}

static void reserve_marks_used_and_rejects_taken(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(4 * MiB, PAGE_SIZE, 0);
	uintptr_t first, a;
	size_t left;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 4 * MiB), 0);
	first = r.base + bp.meta_pages * PAGE_SIZE;
	left = avail(&bp);
	assert_int_equal(bitmap_page_reserve(&bp, first + 2 * PAGE_SIZE, 100), 0);
	assert_int_equal(avail(&bp), left - 100);
	assert_int_equal(bitmap_page_reserve(&bp, first + 101 * PAGE_SIZE, 2), -EEXIST);
	assert_int_equal(bitmap_page_reserve(&bp, r.base, 1), -EEXIST); /* metadata */
	assert_int_equal(bitmap_page_reserve(&bp, first, 0), -EINVAL);
	assert_int_equal(bitmap_page_reserve(&bp, r.base + 4 * MiB, 1), -EINVAL);
	assert_int_equal(avail(&bp), left - 100);
	assert_int_equal(bitmap_page_alloc(&bp, 3, PAGE_SIZE, &a), 0);
	assert_int_equal(a, first + 102 * PAGE_SIZE);
	assert_int_equal(bitmap_page_alloc(&bp, 2, PAGE_SIZE, &a), 0);
	assert_int_equal(a, first);
	/* Reserved memory (e.g. init sections) can be given back. */
	assert_int_equal(bitmap_page_free(&bp, first + 2 * PAGE_SIZE, 100), 0);
	assert_int_equal(avail(&bp), left - 5);
	assert_valid(&bp);
	unmap_range(&r);
}

/* Random runs and alignments against a shadow map of page ownership. */
static void random_stress_matches_shadow(void **state)
{
	enum { NPAGES = 16384, SLOTS = 256, STEPS = 30000 };
	struct bitmap_page bp;
	struct range r = map_range((size_t)NPAGES * PAGE_SIZE, PAGE_SIZE, 0);
	static uint8_t shadow[NPAGES];
	static struct {
		uintptr_t addr;
		size_t count;
	} live[SLOTS];
	size_t nomem = 0, ok = 0;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	memset(shadow, 0, sizeof(shadow));
	memset(live, 0, sizeof(live));
	assert_int_equal(bitmap_page_init(&bp, r.base, (size_t)NPAGES * PAGE_SIZE), 0);
	for (size_t i = 0; i < bp.meta_pages; i++)
		shadow[i] = 1;
	for (int step = 0; step < STEPS; step++) {
		size_t slot = rng() % SLOTS;

		if (live[slot].count) {
			size_t first = (live[slot].addr - r.base) / PAGE_SIZE;

			assert_int_equal(bitmap_page_free(&bp, live[slot].addr, live[slot].count),
			                 0);
			for (size_t i = 0; i < live[slot].count; i++)
				shadow[first + i] = 0;
			live[slot].count = 0;
		} else {
			size_t count = rng() % 4 ? 1 + rng() % 40 : 1 + rng() % 700;
			size_t align = PAGE_SIZE << (rng() % 4 ? 0 : rng() % 10);
			uintptr_t a;
			int err = bitmap_page_alloc(&bp, count, align, &a);

			if (err) {
				assert_int_equal(err, -ENOMEM);
				nomem++;
			} else {
				size_t first = (a - r.base) / PAGE_SIZE;

				assert_int_equal(a % align, 0);
				assert_true(first + count <= NPAGES);
				for (size_t i = 0; i < count; i++) {
					assert_int_equal(shadow[first + i], 0);
					shadow[first + i] = 1;
				}
				live[slot].addr = a;
				live[slot].count = count;
				ok++;
			}
		}
		if (step % 64 == 0) {
			size_t probe = rng() % NPAGES;

			assert_valid(&bp);
			assert_int_equal(bitmap_page_is_allocated(&bp, r.base + probe * PAGE_SIZE),
			                 probe >= bp.meta_pages && shadow[probe]);
		}
	}
	assert_true(ok > 1000);
	assert_true(nomem > 0); /* the mix does run the range dry at times */
	for (size_t s = 0; s < SLOTS; s++)
		if (live[s].count)
			assert_int_equal(bitmap_page_free(&bp, live[s].addr, live[s].count), 0);
	assert_int_equal(avail(&bp), NPAGES - bp.meta_pages);
	assert_valid(&bp);
	unmap_range(&r);
}

static void validator_catches_broken_summaries(void **state)
{
	struct bitmap_page bp;
	struct range r = map_range(64 * MiB, PAGE_SIZE, 0);
	char why[96];
	uint64_t saved;

	(void)state;
	assert_int_equal(bitmap_page_init(&bp, r.base, 64 * MiB), 0);
	saved = bp.levels[0][100];
	bp.levels[0][100] &= ~(uint64_t)1;
	assert_int_equal(bitmap_page_validate(&bp, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "popcount"));
	bp.levels[0][100] = saved;
	bp.levels[1][1] ^= 1;
	assert_int_equal(bitmap_page_validate(&bp, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "summary"));
	bp.levels[1][1] ^= 1;
	bp.all_free[0] ^= 4;
	assert_int_equal(bitmap_page_validate(&bp, why, sizeof(why)), -ECORRUPT);
	bp.all_free[0] ^= 4;
	bp.levels[0][0] |= 1; /* metadata page claimed free */
	assert_int_equal(bitmap_page_validate(&bp, why, 8), -ECORRUPT);
	assert_int_equal(strlen(why), 7); /* message truncated to the buffer */
	bp.levels[0][0] &= ~(uint64_t)1;
	bp.used_pages++;
	assert_int_equal(bitmap_page_validate(&bp, NULL, 0), -ECORRUPT);
	bp.used_pages--;
	assert_valid(&bp);
	unmap_range(&r);
}

static void ops_table_drives_the_allocator(void **state)
{
	const struct page_allocator_ops *ops = &bitmap_page_ops;
	struct range r = map_range(8 * MiB, PAGE_SIZE, 0);
	_Alignas(16) unsigned char st[sizeof(struct bitmap_page)];
	struct page_alloc_stats s;
	uintptr_t a;

	(void)state;
	assert_string_equal(ops->name, "bitmap");
	assert_true(ops->state_size <= sizeof(st));
	assert_int_equal(ops->init(st, r.base, 8 * MiB), 0);
	assert_int_equal(ops->alloc_pages(st, 4, 4 * PAGE_SIZE, &a), 0);
	assert_int_equal(a % (4 * PAGE_SIZE), 0);
	assert_int_equal(ops->reserve_pages(st, a, 1), -EEXIST);
	ops->stats(st, &s);
	assert_int_equal(s.used_pages, 4);
	assert_int_equal(ops->free_pages(st, a, 4), 0);
	assert_int_equal(ops->free_pages(st, a, 4), -ENOTALLOC);
	assert_int_equal(ops->validate(st, NULL, 0), 0);
	unmap_range(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(init_sizes_metadata_from_range),
	    cmocka_unit_test(single_pages_come_lowest_first),
	    cmocka_unit_test(runs_cross_word_boundaries_and_skip_holes),
	    cmocka_unit_test(small_runs_in_fragmented_words),
	    cmocka_unit_test(alignment_is_of_the_address_with_odd_base),
	    cmocka_unit_test(large_aligned_runs_in_6gib),
	    cmocka_unit_test(exhaustion_and_full_recovery),
	    cmocka_unit_test(bad_frees_leave_state_untouched),
	    cmocka_unit_test(bad_alloc_arguments),
	    cmocka_unit_test(reserve_marks_used_and_rejects_taken),
	    cmocka_unit_test(random_stress_matches_shadow),
	    cmocka_unit_test(validator_catches_broken_summaries),
	    cmocka_unit_test(ops_table_drives_the_allocator),
	};
	return cmocka_run_group_tests_name("bitmap_page", tests, NULL, NULL);
}
