/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the libFuzzer targets in tests/fuzz/:
 *
 *  - struct fuzz_in: the input bytes read as a stream of little-endian numbers,
 *    with pickers for sizes and alignments that mix ordinary values with hostile
 *    ones (0, SIZE_MAX, huge powers of two, alignments that are not powers of two);
 *  - guarded buffers: memory handed to an allocator lies between two
 *    ASan-poisoned guard zones and starts filled with junk, so a read or write
 *    outside the region, or reliance on zeroed memory, is caught;
 *  - struct shadow: the model of live blocks, kept sorted by address so a new
 *    block is checked against its neighbours for overlap in O(log n), with a
 *    content pattern that is a function of (block id, offset) only, so a
 *    resized block's prefix keeps its expected bytes;
 *  - FUZZ_CHECK: a broken expectation prints what was expected and aborts, which
 *    libFuzzer records as a crash with the input that caused it.
 *
 * Everything here is host-only test code; nothing is built into the kernel.
 */
#ifndef BORA_FUZZ_SHADOW_H
#define BORA_FUZZ_SHADOW_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bora/errno.h>
#include <bora/hash.h>
#include <bora/types.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define SHADOW_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define SHADOW_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#endif
#endif
#ifndef SHADOW_POISON
#define SHADOW_POISON(p, n)   ((void)(p), (void)(n))
#define SHADOW_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* ---- failure --------------------------------------------------------------- */

static inline __attribute__((noreturn, format(printf, 3, 4))) void
fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nFUZZ CHECK FAILED at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                                \
	} while (0)

/* FUZZ_TRACE=1 in the environment prints every operation (for reading a crash). */
static inline __attribute__((format(printf, 1, 2))) void fuzz_trace(const char *fmt, ...)
{
	static int enabled = -1;
	va_list ap;

	if (enabled < 0)
		enabled = getenv("FUZZ_TRACE") != NULL;
	if (!enabled)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- input stream ----------------------------------------------------------- */

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool fin_done(const struct fuzz_in *in)
{
	return in->n == 0;
}

/* `bytes` little-endian bytes; missing bytes past the end read as zero. */
static inline uint64_t fin_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

static inline uint8_t fin_u8(struct fuzz_in *in)
{
	return (uint8_t)fin_take(in, 1);
}

static inline uint16_t fin_u16(struct fuzz_in *in)
{
	return (uint16_t)fin_take(in, 2);
}

static inline uint32_t fin_u32(struct fuzz_in *in)
{
	return (uint32_t)fin_take(in, 4);
}

static inline uint64_t fin_u64(struct fuzz_in *in)
{
	return fin_take(in, 8);
}

/* An index below n (n > 0). */
static inline size_t fin_index(struct fuzz_in *in, size_t n)
{
	return n > 256 ? fin_u32(in) % n : fin_u8(in) % n;
}

/* Sizes that break arithmetic: zero, the top of the range, powers of two near it. */
static inline size_t hostile_size(unsigned int k, size_t scale)
{
	static const size_t fixed[] = {
	    0, SIZE_MAX, SIZE_MAX - 7, SIZE_MAX - 4095, SIZE_MAX / 2 + 1, (size_t)1 << 40,
	};

	if (k < ARRAY_SIZE(fixed))
		return fixed[k];
	return k & 1 ? scale + 1 : 2 * scale;
}

/*
 * A request size: mostly small and medium, sometimes up to `scale` (what the
 * allocator manages), sometimes hostile.
 */
static inline size_t fin_size(struct fuzz_in *in, size_t scale)
{
	uint8_t sel = fin_u8(in);

	if (sel < 8)
		return hostile_size(sel, scale);
	if (sel < 128)
		return 1 + fin_u8(in);
	if (sel < 200)
		return 1 + fin_u16(in) % 4096;
	return 1 + fin_u32(in) % (scale ? scale : 1);
}

/* An alignment: usually 1, often a small power of two, sometimes huge or invalid. */
static inline size_t fin_align(struct fuzz_in *in)
{
	static const size_t invalid[] = {
	    0, 3, 6, 24, 4097, SIZE_MAX, ((size_t)1 << 63) | 1, 12,
	};
	uint8_t sel = fin_u8(in);

	if (sel < 150)
		return 1;
	if (sel < 230)
		return (size_t)1 << (sel % 13);
	if (sel < 245)
		return (size_t)1 << (fin_u8(in) % 64);
	return invalid[sel % ARRAY_SIZE(invalid)];
}

static inline bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* ---- guarded buffers --------------------------------------------------------- */

#define SHADOW_GUARD    4096
#define SHADOW_MAX_BUFS 40

struct guarded {
	unsigned char *mem; /* what aligned_alloc returned */
	size_t mem_size;
	unsigned char *buf; /* first usable byte */
	size_t size;
};

struct guarded_set {
	struct guarded g[SHADOW_MAX_BUFS];
	unsigned int n;
};

/*
 * `size` usable bytes starting `offset` bytes into a page, poisoned on both
 * sides, filled with `junk`. NULL when the set is full or memory is short.
 */
static inline unsigned char *guarded_new(struct guarded_set *gs, size_t size, size_t offset,
                                         uint8_t junk)
{
	size_t inner = ALIGN_UP(offset + size, (size_t)4096);
	size_t total = SHADOW_GUARD + inner + SHADOW_GUARD;
	struct guarded *g;

	if (gs->n == SHADOW_MAX_BUFS)
		return NULL;
	g = &gs->g[gs->n];
	g->mem = aligned_alloc(4096, total);
	if (!g->mem)
		return NULL;
	memset(g->mem, junk, total);
	g->mem_size = total;
	g->buf = g->mem + SHADOW_GUARD + offset;
	g->size = size;
	SHADOW_POISON(g->mem, SHADOW_GUARD + offset);
	SHADOW_POISON(g->buf + size, total - SHADOW_GUARD - offset - size);
	gs->n++;
	return g->buf;
}

static inline void guarded_free_all(struct guarded_set *gs)
{
	for (unsigned int i = 0; i < gs->n; i++) {
		SHADOW_UNPOISON(gs->g[i].mem, gs->g[i].mem_size);
		free(gs->g[i].mem);
	}
	gs->n = 0;
}

/* ---- the live-block model ----------------------------------------------------- */

struct shadow_blk {
	uintptr_t addr;
	size_t size;
	size_t align;
	uint64_t id;
};

struct shadow {
	struct shadow_blk *b; /* sorted by addr */
	size_t n, cap;
	size_t req_sum; /* sum of the live sizes */
	uint64_t next_id;
	/* Recently freed addresses (not live now unless handed out again): double frees. */
	uintptr_t freed[16];
	unsigned int nfreed;
};

static inline void shadow_init(struct shadow *s)
{
	memset(s, 0, sizeof(*s));
	s->next_id = 1;
}

static inline void shadow_fini(struct shadow *s)
{
	free(s->b);
	memset(s, 0, sizeof(*s));
}

static inline uint64_t shadow_word(const struct shadow_blk *b, size_t word)
{
	return mix64(b->id * 0x9e3779b97f4a7c15ULL + word);
}

/* Write the pattern into bytes [from, to) of the block. */
static inline void shadow_fill(const struct shadow_blk *b, size_t from, size_t to)
{
	unsigned char *p = (unsigned char *)b->addr;

	for (size_t i = from; i < to;) {
		uint64_t w = shadow_word(b, i / 8);
		size_t k = i % 8, n = MIN((size_t)8 - k, to - i);

		memcpy(p + i, (unsigned char *)&w + k, n);
		i += n;
	}
}

/* Bytes [0, upto) hold the pattern; aborts naming the first bad offset otherwise. */
static inline void shadow_expect_intact(const struct shadow_blk *b, size_t upto, const char *where)
{
	const unsigned char *p = (const unsigned char *)b->addr;

	for (size_t i = 0; i < upto; i += 8) {
		uint64_t w = shadow_word(b, i / 8);
		size_t n = MIN((size_t)8, upto - i);

		if (memcmp(p + i, &w, n) != 0)
			for (size_t k = 0; k < n; k++)
				FUZZ_CHECK(p[i + k] == ((unsigned char *)&w)[k],
				           "%s: block %#lx (size %zu, align %zu) corrupted at "
				           "offset %zu",
				           where, (unsigned long)b->addr, b->size, b->align, i + k);
	}
}

/* Index of the first block with addr >= a. */
static inline size_t shadow_lower_bound(const struct shadow *s, uintptr_t a)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->b[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the live block starting at a, or SIZE_MAX. */
static inline size_t shadow_find(const struct shadow *s, uintptr_t a)
{
	size_t i = shadow_lower_bound(s, a);

	return i < s->n && s->b[i].addr == a ? i : SIZE_MAX;
}

/* Index of the live block containing byte a, or SIZE_MAX. */
static inline size_t shadow_containing(const struct shadow *s, uintptr_t a)
{
	size_t i = shadow_lower_bound(s, a + 1);

	if (i == 0)
		return SIZE_MAX;
	i--;
	return a - s->b[i].addr < MAX(s->b[i].size, (size_t)1) ? i : SIZE_MAX;
}

static inline void shadow_forget_freed(struct shadow *s, uintptr_t a)
{
	for (unsigned int i = 0; i < s->nfreed; i++)
		if (s->freed[i] == a)
			s->freed[i] = s->freed[--s->nfreed];
}

/*
 * Record a new live block, checking that it overlaps no other one, and fill it
 * with its pattern. Returns the block's index.
 */
static inline size_t shadow_add(struct shadow *s, uintptr_t addr, size_t size, size_t align)
{
	size_t i = shadow_lower_bound(s, addr);
	struct shadow_blk *b;

	FUZZ_CHECK(i == s->n || addr + size <= s->b[i].addr,
	           "block %#lx+%zu overlaps live block %#lx+%zu", (unsigned long)addr, size,
	           (unsigned long)s->b[i].addr, s->b[i].size);
	FUZZ_CHECK(i == 0 || s->b[i - 1].addr + s->b[i - 1].size <= addr,
	           "block %#lx+%zu overlaps live block %#lx+%zu", (unsigned long)addr, size,
	           (unsigned long)s->b[i - 1].addr, s->b[i - 1].size);
	FUZZ_CHECK(i == s->n || s->b[i].addr != addr, "address %#lx handed out twice",
	           (unsigned long)addr);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->b = realloc(s->b, s->cap * sizeof(*s->b));
		FUZZ_CHECK(s->b != NULL, "out of host memory");
	}
	memmove(&s->b[i + 1], &s->b[i], (s->n - i) * sizeof(*s->b));
	s->n++;
	b = &s->b[i];
	b->addr = addr;
	b->size = size;
	b->align = align;
	b->id = s->next_id++;
	s->req_sum += size;
	shadow_forget_freed(s, addr);
	shadow_fill(b, 0, size);
	return i;
}

/* Drop block i from the model (after the allocator freed it). */
static inline void shadow_remove(struct shadow *s, size_t i)
{
	uintptr_t addr = s->b[i].addr;

	s->req_sum -= s->b[i].size;
	memmove(&s->b[i], &s->b[i + 1], (s->n - i - 1) * sizeof(*s->b));
	s->n--;
	if (s->nfreed < ARRAY_SIZE(s->freed))
		s->freed[s->nfreed++] = addr;
	else
		s->freed[addr % ARRAY_SIZE(s->freed)] = addr;
}

/*
 * Block i changed size in place: the common prefix must have survived; the
 * neighbours must still not overlap; new bytes get the pattern.
 */
static inline void shadow_resize(struct shadow *s, size_t i, size_t new_size)
{
	struct shadow_blk *b = &s->b[i];
	size_t old = b->size;

	shadow_expect_intact(b, MIN(old, new_size), "resize in place");
	FUZZ_CHECK(i + 1 == s->n || b->addr + new_size <= s->b[i + 1].addr,
	           "resize of %#lx to %zu overlaps live block %#lx", (unsigned long)b->addr,
	           new_size, (unsigned long)s->b[i + 1].addr);
	b->size = new_size;
	s->req_sum = s->req_sum - old + new_size;
	if (new_size > old)
		shadow_fill(b, old, new_size);
}

/* Every live block still holds its pattern. */
static inline void shadow_sweep(const struct shadow *s, const char *where)
{
	for (size_t i = 0; i < s->n; i++)
		shadow_expect_intact(&s->b[i], s->b[i].size, where);
}

/* ---- errors ------------------------------------------------------------------- */

/* Whether err is 0 or one of the negated values in the list (terminated by 0). */
static inline bool err_in(int err, const int *allowed)
{
	if (err == 0)
		return true;
	for (; *allowed; allowed++)
		if (err == -*allowed)
			return true;
	return false;
}

#define ERRS(...) ((const int[]){__VA_ARGS__, 0})

#endif
