// SPDX-License-Identifier: MIT
/*
 * Bitmap page allocator; see include/bora/bitmap_page.h for the structure.
 *
 * Invariants the validator checks:
 *  - leaf bit i is 1 iff page i is free; metadata pages and the padding bits
 *    past npages are 0, so they are never found free and the padding acts as a
 *    "used" sentinel that ends every run scan;
 *  - levels[k+1] bit i == (levels[k] word i != 0); padding bits are 0;
 *  - all_free bit i == (leaf word i is all ones); padding bits are 0;
 *  - the number of 1 bits in the leaf == npages - meta_pages - used_pages.
 */
#include <bora/bitmap_page.h>
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/string.h>

#define WORD_BITS 64
#define ALL_ONES  (~(uint64_t)0)

static size_t words_for(size_t bits)
{
	return bits / WORD_BITS + (bits % WORD_BITS != 0);
}

static uint64_t bit_of(size_t i)
{
	return (uint64_t)1 << (i % WORD_BITS);
}

/* Bits [lo, lo + n) of one word, n in 1..64, lo + n <= 64. */
static uint64_t word_mask(unsigned int lo, unsigned int n)
{
	return (n == WORD_BITS ? ALL_ONES : (((uint64_t)1 << n) - 1)) << lo;
}

/* Word counts of every level for npages leaf bits; returns total words. */
static size_t plan_levels(size_t npages, size_t *level_bits, unsigned int *nlevels)
{
	size_t bits = npages;
	size_t total = words_for(words_for(npages)); /* the all_free level */
	unsigned int n = 0;

	for (;;) {
		size_t words = words_for(bits);

		level_bits[n++] = bits;
		total += words;
		if (words == 1)
			break;
		bits = words;
	}
	*nlevels = n;
	return total;
}

/* Leaf word w as it should be right after init: free except metadata and padding. */
static uint64_t initial_leaf_word(const struct bitmap_page *bp, size_t w)
{
	size_t lo = w * WORD_BITS;
	size_t from = MAX(lo, bp->meta_pages);
	size_t to = MIN(lo + WORD_BITS, bp->npages);

	if (from >= to)
		return 0;
	return word_mask((unsigned int)(from - lo), (unsigned int)(to - from));
}

/* Summary word j of level k (k >= 1) recomputed from level k-1. */
static uint64_t summary_word(const struct bitmap_page *bp, unsigned int k, size_t j)
{
	size_t first = j * WORD_BITS;
	size_t last = MIN(first + WORD_BITS, bp->level_bits[k]);
	uint64_t w = 0;

	for (size_t i = first; i < last; i++)
		if (bp->levels[k - 1][i])
			w |= bit_of(i);
	return w;
}

static uint64_t all_free_word(const struct bitmap_page *bp, size_t j)
{
	size_t first = j * WORD_BITS;
	size_t last = MIN(first + WORD_BITS, words_for(bp->npages));
	uint64_t w = 0;

	for (size_t i = first; i < last; i++)
		if (bp->levels[0][i] == ALL_ONES)
			w |= bit_of(i);
	return w;
}

int bitmap_page_init(struct bitmap_page *bp, uintptr_t base, size_t size)
{
	size_t level_bits[BITMAP_PAGE_MAX_LEVELS];
	unsigned int nlevels;
	uintptr_t start, end;
	size_t npages, meta_words, meta_pages;
	uint64_t *p;

	if (!bp || base > UINTPTR_MAX - (PAGE_SIZE - 1) || size > UINTPTR_MAX - base)
		return -EINVAL;
	start = ALIGN_UP(base, PAGE_SIZE);
	end = ALIGN_DOWN(base + size, PAGE_SIZE);
	if (end <= start)
		return -EINVAL;
	npages = (end - start) >> PAGE_SHIFT;
	meta_words = plan_levels(npages, level_bits, &nlevels);
	meta_pages = (meta_words * sizeof(uint64_t) + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (meta_pages >= npages)
		return -EINVAL; /* no room for a single usable page */

	memset(bp, 0, sizeof(*bp));
	bp->base = start;
	bp->npages = npages;
	bp->meta_pages = meta_pages;
	bp->nlevels = nlevels;
	p = (uint64_t *)start;
	for (unsigned int k = 0; k < nlevels; k++) {
		bp->levels[k] = p;
		bp->level_bits[k] = level_bits[k];
		p += words_for(level_bits[k]);
	}
	bp->all_free = p;

	for (size_t w = 0; w < words_for(npages); w++)
		bp->levels[0][w] = initial_leaf_word(bp, w);
	for (unsigned int k = 1; k < nlevels; k++)
		for (size_t j = 0; j < words_for(level_bits[k]); j++)
			bp->levels[k][j] = summary_word(bp, k, j);
	for (size_t j = 0; j < words_for(words_for(npages)); j++)
		bp->all_free[j] = all_free_word(bp, j);
	return 0;
}

/* Leaf word w changed from old to new: bring the summaries in step. */
static void update_summaries(struct bitmap_page *bp, size_t w, uint64_t old, uint64_t new)
{
	if (new == ALL_ONES)
		bp->all_free[w / WORD_BITS] |= bit_of(w);
	else
		bp->all_free[w / WORD_BITS] &= ~bit_of(w);

	/* A parent bit only flips when its child word becomes or stops being zero. */
	for (unsigned int k = 1; k < bp->nlevels && (old != 0) != (new != 0); k++) {
		uint64_t *parent = &bp->levels[k][w / WORD_BITS];

		old = *parent;
		new = new ? old | bit_of(w) : old & ~bit_of(w);
		*parent = new;
		w /= WORD_BITS;
	}
}

static void set_range(struct bitmap_page *bp, size_t first, size_t count, bool free)
{
	size_t end = first + count;

	while (first < end) {
		size_t w = first / WORD_BITS;
		unsigned int lo = first % WORD_BITS;
		unsigned int span = (unsigned int)MIN(end - first, (size_t)(WORD_BITS - lo));
		uint64_t m = word_mask(lo, span);
		uint64_t old = bp->levels[0][w];
		uint64_t new = free ? old | m : old & ~m;

		bp->levels[0][w] = new;
		update_summaries(bp, w, old, new);
		first += span;
	}
}

/* Lowest free page >= pos, or npages: climbs the summaries, then descends. */
static size_t find_free_from(const struct bitmap_page *bp, size_t pos)
{
	unsigned int k = 0;
	size_t idx = pos;

	for (;;) {
		size_t w = idx / WORD_BITS;
		uint64_t bits;

		if (idx >= bp->level_bits[k])
			return bp->npages;
		bits = bp->levels[k][w] & (ALL_ONES << (idx % WORD_BITS));
		if (bits) {
			idx = w * WORD_BITS + (size_t)ffs64(bits);
			break;
		}
		if (k + 1 == bp->nlevels)
			return bp->npages;
		idx = w + 1;
		k++;
	}
	while (k > 0) {
		k--;
		idx = idx * WORD_BITS + (size_t)ffs64(bp->levels[k][idx]);
	}
	return idx;
}

/*
 * Lowest used page >= pos; any value >= limit means none below limit. Whole
 * free words are skipped 64 at a time through the all_free level.
 */
static size_t find_used_from(const struct bitmap_page *bp, size_t pos, size_t limit)
{
	size_t nwords = words_for(bp->npages);
	size_t last_word = (limit - 1) / WORD_BITS;
	size_t w = pos / WORD_BITS;
	uint64_t bits = ~bp->levels[0][w] & (ALL_ONES << (pos % WORD_BITS));

	if (bits)
		return w * WORD_BITS + (size_t)ffs64(bits);
	for (w++; w <= last_word && w < nwords;) {
		size_t sw = w / WORD_BITS;
		uint64_t not_full = ~bp->all_free[sw] & (ALL_ONES << (w % WORD_BITS));

		if (not_full) {
			size_t cand = sw * WORD_BITS + (size_t)ffs64(not_full);

			if (cand >= nwords)
				return bp->npages;
			return cand * WORD_BITS + (size_t)ffs64(~bp->levels[0][cand]);
		}
		w = (sw + 1) * WORD_BITS;
	}
	return bp->npages;
}

/*
 * For unaligned runs of 2..64 pages: the first start at or after bit `from` of
 * leaf word w whose run of `count` fits in the word, else the start of the
 * free run reaching the word's top bit (it may go on in the next word), else
 * npages. Keeps a fragmented word from costing one search per hole.
 */
static size_t run_start_in_word(const struct bitmap_page *bp, size_t w, unsigned int from,
                                size_t count)
{
	uint64_t x = bp->levels[0][w] & (ALL_ONES << from);
	uint64_t starts = x;

	/* After the loop bit i is set iff bits i .. i+count-1 of x are all set. */
	for (size_t len = 1; len < count;) {
		size_t sh = MIN(len, count - len);

		starts &= starts >> sh;
		len += sh;
	}
	if (starts)
		return w * WORD_BITS + (size_t)ffs64(starts);
	if (x >> (WORD_BITS - 1))
		return w * WORD_BITS + (size_t)fls64(~x) + 1;
	return bp->npages;
}

int bitmap_page_alloc(struct bitmap_page *bp, size_t count, size_t align, uintptr_t *out)
{
	size_t step, first_aligned, pos;

	if (!bp || !out || count == 0 || count > (SIZE_MAX >> PAGE_SHIFT) ||
	    !is_power_of_2(align) || align < PAGE_SIZE)
		return -EINVAL;
	step = align >> PAGE_SHIFT;
	/* Index whose ADDRESS is aligned: base itself may only be page aligned. */
	first_aligned = ((align - (bp->base & (align - 1))) & (align - 1)) >> PAGE_SHIFT;

	for (pos = bp->meta_pages;;) {
		size_t s = find_free_from(bp, pos);
		size_t used;

		if (s >= bp->npages)
			return -ENOMEM;
		if (step == 1 && count > 1 && count <= WORD_BITS) {
			size_t start = run_start_in_word(bp, s / WORD_BITS, s % WORD_BITS, count);

			if (start >= bp->npages) {
				pos = (s / WORD_BITS + 1) * WORD_BITS;
				continue;
			}
			s = start;
		}
		if (s <= first_aligned)
			s = first_aligned;
		else
			s = first_aligned + ALIGN_UP(s - first_aligned, step);
		if (s >= bp->npages || count > bp->npages - s)
			return -ENOMEM;
		used = find_used_from(bp, s, s + count);
		if (used >= s + count) {
			set_range(bp, s, count, false);
			bp->used_pages += count;
			*out = bp->base + (s << PAGE_SHIFT);
			return 0;
		}
		pos = used + 1;
	}
}

static int page_range(const struct bitmap_page *bp, uintptr_t addr, size_t count, size_t *first)
{
	size_t idx;

	if (!bp || count == 0 || !IS_ALIGNED(addr, PAGE_SIZE) || addr < bp->base)
		return -EINVAL;
	idx = (addr - bp->base) >> PAGE_SHIFT;
	if (idx >= bp->npages || count > bp->npages - idx)
		return -EINVAL;
	*first = idx;
	return 0;
}

int bitmap_page_free(struct bitmap_page *bp, uintptr_t addr, size_t count)
{
	size_t first;
	int err = page_range(bp, addr, count, &first);

	if (err)
		return err;
	/* Metadata pages were never handed out. */
	if (first < bp->meta_pages || find_free_from(bp, first) < first + count)
		return -ENOTALLOC;
	set_range(bp, first, count, true);
	bp->used_pages -= count;
	return 0;
}

int bitmap_page_reserve(struct bitmap_page *bp, uintptr_t addr, size_t count)
{
	size_t first;
	int err = page_range(bp, addr, count, &first);

	if (err)
		return err;
	if (first < bp->meta_pages || find_used_from(bp, first, first + count) < first + count)
		return -EEXIST;
	set_range(bp, first, count, false);
	bp->used_pages += count;
	return 0;
}

bool bitmap_page_is_allocated(const struct bitmap_page *bp, uintptr_t addr)
{
	size_t idx;

	if (page_range(bp, ALIGN_DOWN(addr, PAGE_SIZE), 1, &idx) || idx < bp->meta_pages)
		return false;
	return !(bp->levels[0][idx / WORD_BITS] & bit_of(idx));
}

void bitmap_page_stats(const struct bitmap_page *bp, struct page_alloc_stats *st)
{
	st->total_pages = bp->npages;
	st->used_pages = bp->used_pages;
	st->metadata_pages = bp->meta_pages;
	st->available_pages = bp->npages - bp->meta_pages - bp->used_pages;
}

int bitmap_page_validate(const struct bitmap_page *bp, char *why, size_t why_len)
{
	size_t free_bits = 0;

	if (!bp || bp->nlevels == 0 || bp->nlevels > BITMAP_PAGE_MAX_LEVELS || !bp->all_free)
		return validate_failed(why, why_len, "bad header");
	if (bp->meta_pages == 0 || bp->meta_pages >= bp->npages ||
	    bp->used_pages > bp->npages - bp->meta_pages)
		return validate_failed(why, why_len, "page counters out of range");
	if (bp->level_bits[0] != bp->npages || words_for(bp->level_bits[bp->nlevels - 1]) != 1)
		return validate_failed(why, why_len, "level sizes");

	for (size_t w = 0; w < words_for(bp->npages); w++) {
		uint64_t word = bp->levels[0][w];
		/* Every bit outside [meta_pages, npages) must read as used. */
		uint64_t allowed = initial_leaf_word(bp, w);

		if (word & ~allowed)
			return validate_failed(why, why_len,
			                       "metadata or padding page marked free");
		free_bits += (size_t)__builtin_popcountll(word);
	}
	if (free_bits != bp->npages - bp->meta_pages - bp->used_pages)
		return validate_failed(why, why_len, "free count disagrees with leaf popcount");

	for (unsigned int k = 1; k < bp->nlevels; k++) {
		if (bp->level_bits[k] != words_for(bp->level_bits[k - 1]))
			return validate_failed(why, why_len, "level sizes");
		for (size_t j = 0; j < words_for(bp->level_bits[k]); j++)
			if (bp->levels[k][j] != summary_word(bp, k, j))
				return validate_failed(why, why_len,
				                       "free summary disagrees with level below");
	}
	for (size_t j = 0; j < words_for(words_for(bp->npages)); j++)
		if (bp->all_free[j] != all_free_word(bp, j))
			return validate_failed(why, why_len,
			                       "all-free summary disagrees with leaf");
	return 0;
}

static int ops_init(void *state, uintptr_t base, size_t size)
{
	return bitmap_page_init(state, base, size);
}

static int ops_alloc(void *state, size_t count, size_t align, uintptr_t *out)
{
	return bitmap_page_alloc(state, count, align, out);
}

static int ops_free(void *state, uintptr_t addr, size_t count)
{
	return bitmap_page_free(state, addr, count);
}

static int ops_reserve(void *state, uintptr_t addr, size_t count)
{
	return bitmap_page_reserve(state, addr, count);
}

static void ops_stats(const void *state, struct page_alloc_stats *st)
{
	bitmap_page_stats(state, st);
}

static int ops_validate(const void *state, char *why, size_t why_len)
{
	return bitmap_page_validate(state, why, why_len);
}

const struct page_allocator_ops bitmap_page_ops = {
    .name = "bitmap",
    .state_size = sizeof(struct bitmap_page),
    .init = ops_init,
    .alloc_pages = ops_alloc,
    .free_pages = ops_free,
    .reserve_pages = ops_reserve,
    .stats = ops_stats,
    .validate = ops_validate,
};
