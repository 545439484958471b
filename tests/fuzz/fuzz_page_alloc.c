// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the bitmap page allocator, driven through
 * bitmap_page_ops (include/bora/alloc.h) against a model that keeps one state
 * per page (metadata, free, used).
 *
 * The input picks the managed range (base anywhere in a page, any length, or a
 * hostile one that wraps or holds no page), then a stream of alloc_pages,
 * free_pages (whole runs, parts of runs, spans of several), reserve_pages and
 * arbitrary free/reserve/is_allocated calls whose expected answer the model
 * works out: -EINVAL for a range outside the allocator or misaligned,
 * -ENOTALLOC for freeing a free or metadata page, -EEXIST for reserving a used
 * one. alloc_pages is first fit by address (bitmap_page.h), so the model
 * predicts the exact address or -ENOMEM.
 *
 * The range is an mmap'd area; after init every page past the metadata is made
 * inaccessible, so an allocator that touches the pages it manages crashes.
 */
#include "shadow.h"

#include <sys/mman.h>

#include <bora/alloc.h>
#include <bora/bitmap_page.h>

#define MAX_STEPS   4096
#define SWEEP_EVERY 64

enum page_state { PG_FREE, PG_USED, PG_META };

struct ctx {
	struct bitmap_page bp;
	uint8_t *pg; /* enum page_state per page */
	size_t npages, meta, used;
	uintptr_t base;
	unsigned int step;
};

static void check_all(struct ctx *c)
{
	struct page_alloc_stats st;
	char why[256] = "";
	int r = bitmap_page_ops.validate(&c->bp, why, sizeof(why));

	FUZZ_CHECK(r == 0, "bitmap_page: validate -> %s: %s (step %u)", errno_name(r), why,
	           c->step);
	memset(&st, 0xff, sizeof(st));
	bitmap_page_ops.stats(&c->bp, &st);
	FUZZ_CHECK(st.total_pages == c->npages && st.metadata_pages == c->meta &&
	               st.used_pages == c->used &&
	               st.available_pages == c->npages - c->meta - c->used,
	           "bitmap_page: stats total %zu used %zu available %zu metadata %zu, model "
	           "total %zu used %zu metadata %zu",
	           st.total_pages, st.used_pages, st.available_pages, st.metadata_pages, c->npages,
	           c->used, c->meta);
	if (c->step % SWEEP_EVERY)
		return;
	for (size_t i = 0; i < c->npages; i++)
		FUZZ_CHECK(bitmap_page_is_allocated(&c->bp, c->base + i * PAGE_SIZE) ==
		               (c->pg[i] == PG_USED),
		           "bitmap_page: page %zu: is_allocated disagrees with the model", i);
}

/* Lowest index >= the metadata whose address is `align`-aligned, starting a free run of count. */
static size_t model_first_fit(const struct ctx *c, size_t count, size_t align)
{
	size_t step = align / PAGE_SIZE;
	size_t first = ((align - (c->base & (align - 1))) & (align - 1)) / PAGE_SIZE;
	size_t s = first;

	if (s < c->meta)
		s = first + ALIGN_UP(c->meta - first, step);
	while (s < c->npages && count <= c->npages - s) {
		size_t k = 0;

		while (k < count && c->pg[s + k] == PG_FREE)
			k++;
		if (k == count)
			return s;
		/* The page at s + k is taken: the next candidate lies beyond it. */
		s = first + ALIGN_UP(s + k + 1 - first, step);
	}
	return SIZE_MAX;
}

static size_t fin_count(struct fuzz_in *in, size_t npages)
{
	uint8_t sel = fin_u8(in);

	switch (sel % 8) {
	case 0:
		return hostile_size(fin_u8(in) % 8, npages);
	case 1:
	case 2:
	case 3:
		return 1;
	case 4:
	case 5:
		return 1 + fin_u8(in) % 64;
	default:
		return 1 + fin_u32(in) % npages;
	}
}

static size_t fin_page_align(struct fuzz_in *in)
{
	uint8_t sel = fin_u8(in);

	if (sel < 200)
		return PAGE_SIZE << (sel % 10);
	if (sel < 240)
		return (size_t)1 << (fin_u8(in) % 64);
	return fin_align(in);
}

static void mark(struct ctx *c, size_t first, size_t count, enum page_state to)
{
	for (size_t i = first; i < first + count; i++) {
		FUZZ_CHECK(c->pg[i] != PG_META && c->pg[i] != to, "model error");
		c->pg[i] = to;
	}
	c->used = to == PG_USED ? c->used + count : c->used - count;
}

static void do_alloc(struct ctx *c, struct fuzz_in *in)
{
	size_t count = fin_count(in, c->npages), align = fin_page_align(in);
	bool valid =
	    count >= 1 && count <= (SIZE_MAX >> PAGE_SHIFT) && is_pow2(align) && align >= PAGE_SIZE;
	size_t want = valid ? model_first_fit(c, count, align) : SIZE_MAX;
	uintptr_t out = 0x5a5a;
	int r = bitmap_page_ops.alloc_pages(&c->bp, count, align, &out);

	fuzz_trace("alloc_pages(%zu, %#zx) -> %s %#lx", count, align, errno_name(r),
	           (unsigned long)out);
	if (!valid) {
		FUZZ_CHECK(r == -EINVAL, "bitmap_page: alloc_pages(%zu, %#zx) -> %s, want EINVAL",
		           count, align, errno_name(r));
	} else if (want == SIZE_MAX) {
		FUZZ_CHECK(r == -ENOMEM, "bitmap_page: alloc_pages(%zu, %#zx) -> %s, want ENOMEM",
		           count, align, errno_name(r));
	} else {
		FUZZ_CHECK(
		    r == 0 && out == c->base + want * PAGE_SIZE,
		    "bitmap_page: alloc_pages(%zu, %#zx) -> %s %#lx, want the first fit %#lx",
		    count, align, errno_name(r), (unsigned long)out,
		    (unsigned long)(c->base + want * PAGE_SIZE));
		mark(c, want, count, PG_USED);
		return;
	}
	FUZZ_CHECK(out == 0x5a5a, "bitmap_page: failed alloc_pages wrote *out");
}

/* A span of used pages: starts at a used page, runs over used pages only. */
static void do_free_used(struct ctx *c, struct fuzz_in *in)
{
	size_t i = c->meta + fin_index(in, c->npages - c->meta), n = 0, limit;
	int r;

	while (i < c->npages && c->pg[i] != PG_USED)
		i++;
	if (i == c->npages)
		return;
	limit = fin_u8(in) & 1 ? SIZE_MAX : 1 + fin_u8(in);
	while (n < limit && i + n < c->npages && c->pg[i + n] == PG_USED)
		n++;
	r = bitmap_page_ops.free_pages(&c->bp, c->base + i * PAGE_SIZE, n);
	fuzz_trace("free_pages(page %zu, %zu) -> %s", i, n, errno_name(r));
	FUZZ_CHECK(r == 0, "bitmap_page: free_pages of %zu used pages at %zu -> %s", n, i,
	           errno_name(r));
	mark(c, i, n, PG_FREE);
}

/* What free (want_free) or reserve of [addr, addr + count pages) must answer. */
static int model_answer(const struct ctx *c, uintptr_t addr, size_t count, bool want_free)
{
	size_t idx;

	if (count == 0 || !IS_ALIGNED(addr, PAGE_SIZE) || addr < c->base)
		return -EINVAL;
	idx = (addr - c->base) / PAGE_SIZE;
	if (idx >= c->npages || count > c->npages - idx)
		return -EINVAL;
	for (size_t i = idx; i < idx + count; i++) {
		if (c->pg[i] == PG_META)
			return want_free ? -ENOTALLOC : -EEXIST;
		if (want_free && c->pg[i] == PG_FREE)
			return -ENOTALLOC;
		if (!want_free && c->pg[i] == PG_USED)
			return -EEXIST;
	}
	return 0;
}

static uintptr_t fin_addr(struct ctx *c, struct fuzz_in *in)
{
	uint8_t sel = fin_u8(in);
	uintptr_t a = c->base + (uintptr_t)fin_index(in, c->npages + 2) * PAGE_SIZE - PAGE_SIZE;

	if (sel < 200)
		return a;
	if (sel < 230)
		return a + 1 + fin_u16(in) % (PAGE_SIZE - 1);
	return sel & 1 ? 0 : UINTPTR_MAX & ~(PAGE_SIZE - 1);
}

static void do_arbitrary(struct ctx *c, struct fuzz_in *in, bool want_free)
{
	uintptr_t addr = fin_addr(c, in);
	size_t count = fin_count(in, c->npages);
	int want = model_answer(c, addr, count, want_free);
	int r = want_free ? bitmap_page_ops.free_pages(&c->bp, addr, count)
	                  : bitmap_page_ops.reserve_pages(&c->bp, addr, count);

	fuzz_trace("%s(%#lx, %zu) -> %s", want_free ? "free_pages" : "reserve_pages",
	           (unsigned long)addr, count, errno_name(r));
	FUZZ_CHECK(r == want, "bitmap_page: %s(%#lx = base %+ld, %zu pages) -> %s, want %s",
	           want_free ? "free_pages" : "reserve_pages", (unsigned long)addr,
	           (long)(addr - c->base), count, errno_name(r), errno_name(want));
	if (r == 0)
		mark(c, (addr - c->base) / PAGE_SIZE, count, want_free ? PG_FREE : PG_USED);
}

static void do_is_allocated(struct ctx *c, struct fuzz_in *in)
{
	uintptr_t a = fin_addr(c, in);
	bool want = false;

	if (a >= c->base && (a - c->base) / PAGE_SIZE < c->npages)
		want = c->pg[(a - c->base) / PAGE_SIZE] == PG_USED;
	FUZZ_CHECK(bitmap_page_is_allocated(&c->bp, a) == want,
	           "bitmap_page: is_allocated(base %+ld) != %d", (long)(a - c->base), want);
}

/* Hostile ranges init must refuse without touching memory. */
static void hostile_init(struct fuzz_in *in)
{
	struct bitmap_page bp;
	uintptr_t base;
	size_t size;
	int r;

	switch (fin_u8(in) % 4) {
	case 0: /* past the top of the address space */
		base = UINTPTR_MAX - fin_u32(in);
		size = (uintptr_t)UINTPTR_MAX - base + 1 + fin_u16(in);
		break;
	case 1: /* no whole page */
		base = 0x100000 + 1 + fin_u16(in) % (PAGE_SIZE - 1);
		size = fin_u16(in) % PAGE_SIZE;
		break;
	case 2: /* only room for metadata */
		base = 0x100000;
		size = fin_u8(in) & 1 ? 0 : PAGE_SIZE - 1;
		break;
	default:
		base = UINTPTR_MAX & ~(PAGE_SIZE - 1);
		size = PAGE_SIZE;
		break;
	}
	r = bitmap_page_ops.init(&bp, base, size);
	FUZZ_CHECK(r == -EINVAL, "bitmap_page: init(%#lx, %#zx) -> %s, want EINVAL",
	           (unsigned long)base, size, errno_name(r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t sel = fin_u8(&in);
	size_t pages, offset, bytes, map_bytes;
	struct page_alloc_stats st;
	struct ctx c;
	char *map;
	int r;

	if (sel < 16) {
		hostile_init(&in);
		return 0;
	}
	pages = sel < 224 ? 1 + fin_u16(&in) % 4096 : 1 + fin_u32(&in) % (1u << 18);
	offset = fin_u8(&in) & 1 ? fin_u16(&in) % PAGE_SIZE : 0;
	bytes = pages * PAGE_SIZE - (fin_u8(&in) & 1 ? fin_u16(&in) % PAGE_SIZE : 0);
	map_bytes = (pages + 2) * PAGE_SIZE;
	map = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	FUZZ_CHECK(map != MAP_FAILED, "mmap failed");

	memset(&c, 0, sizeof(c));
	memset(&c.bp, fin_u8(&in), sizeof(c.bp));
	r = bitmap_page_ops.init(&c.bp, (uintptr_t)map + offset, bytes);
	if (r == 0) {
		c.base = c.bp.base;
		bitmap_page_ops.stats(&c.bp, &st);
		c.npages = st.total_pages;
		c.meta = st.metadata_pages;
		FUZZ_CHECK(c.base == ALIGN_UP((uintptr_t)map + offset, PAGE_SIZE) &&
		               c.npages == (ALIGN_DOWN((uintptr_t)map + offset + bytes, PAGE_SIZE) -
		                            c.base) /
		                               PAGE_SIZE,
		           "bitmap_page: init did not round the range inwards to pages");
		FUZZ_CHECK(c.meta >= 1 && c.meta < c.npages,
		           "bitmap_page: %zu metadata pages of %zu", c.meta, c.npages);
		/* Pages it manages are not the allocator's to touch. */
		FUZZ_CHECK(mprotect((char *)c.base + c.meta * PAGE_SIZE,
		                    (c.npages - c.meta) * PAGE_SIZE, PROT_NONE) == 0,
		           "mprotect failed");
		c.pg = calloc(c.npages, 1);
		FUZZ_CHECK(c.pg != NULL, "out of host memory");
		memset(c.pg, PG_META, c.meta);
		check_all(&c);
		for (c.step = 1; !fin_done(&in) && c.step < MAX_STEPS; c.step++) {
			switch (fin_u8(&in) % 8) {
			case 0:
			case 1:
			case 2:
				do_alloc(&c, &in);
				break;
			case 3:
			case 4:
				do_free_used(&c, &in);
				break;
			case 5:
				do_arbitrary(&c, &in, true);
				break;
			case 6:
				do_arbitrary(&c, &in, false);
				break;
			default:
				do_is_allocated(&c, &in);
				break;
			}
			check_all(&c);
		}
		free(c.pg);
	} else {
		FUZZ_CHECK(r == -EINVAL, "bitmap_page: init -> %s", errno_name(r));
		FUZZ_CHECK(bytes < 3 * PAGE_SIZE, "bitmap_page: init of %zu bytes -> %s", bytes,
		           errno_name(r));
	}
	munmap(map, map_bytes);
	return 0;
}
