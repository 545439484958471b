// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for one byte allocator, driven only through struct
 * byte_allocator_ops (include/bora/alloc.h). scripts/mk/fuzz.mk builds it once
 * per algorithm with -DFUZZ_OPS=<alg>_byte_ops, with fuzz_byte_hostile.c.
 *
 * The input is a heap shape (size, base offset, junk byte, spare room behind
 * the region) followed by a stream of operations: alloc with sizes and
 * alignments from the input (hostile ones included), free, frees of pointers
 * that are not live blocks (NULL, foreign, interior, never returned, already
 * freed, outside every region), frees with the wrong size, resize_in_place,
 * add_region of fresh, adjacent, overlapping and nonsensical regions, and
 * alloc(largest_free). After every step:
 *   - validate() is clean (after add_region and wrong-size frees, and every
 *     VALIDATE_EVERY steps otherwise: it walks the whole state);
 *   - used + available + metadata == total <= bytes handed over, used covers
 *     the live requested bytes, largest_free <= available;
 *   - with no live block, used == 0 and available (and largest_free, while
 *     there is one region) are back at their empty-heap values;
 * and every answer is one the interface documents: a new block lies inside one
 * region, aligned, overlapping no live block; an error is from the documented
 * set and changes no statistic; alloc(size, 1) fails with -ENOMEM only when
 * size > largest_free. Block contents carry a pattern checked on free, resize
 * and every SWEEP_EVERY steps.
 */
#include "fuzz_byte_alloc.h"

int call_alloc(struct ctx *c, size_t size, size_t align, void **out)
{
	int r = OPS->alloc(c->state, size, align, out);

	fuzz_trace("alloc(%zu, %zu) -> %s %p", size, align, errno_name(r), r ? NULL : *out);
	return r;
}

int call_free(struct ctx *c, uintptr_t a, size_t size, size_t align)
{
	int r = OPS->free(c->state, (void *)a, size, align);

	fuzz_trace("free(%#lx, %zu, %zu) -> %s", (unsigned long)a, size, align, errno_name(r));
	return r;
}

int call_resize(struct ctx *c, uintptr_t a, size_t old, size_t size, size_t align)
{
	int r = OPS->resize_in_place(c->state, (void *)a, old, size, align);

	fuzz_trace("resize_in_place(%#lx, %zu -> %zu, %zu) -> %s", (unsigned long)a, old, size,
	           align, errno_name(r));
	return r;
}

int call_add_region(struct ctx *c, void *base, size_t size)
{
	int r = OPS->add_region(c->state, base, size);

	fuzz_trace("add_region(%p, %zu) -> %s", base, size, errno_name(r));
	return r;
}

struct byte_alloc_stats get_stats(const struct ctx *c)
{
	struct byte_alloc_stats st;

	memset(&st, 0xff, sizeof(st));
	OPS->stats(c->state, &st);
	return st;
}

void expect_same_stats(const struct byte_alloc_stats *a, const struct byte_alloc_stats *b,
                       const char *what, int err)
{
	FUZZ_CHECK(memcmp(a, b, sizeof(*a)) == 0,
	           "%s: %s failed with %s but changed the stats (used %zu -> %zu, available %zu "
	           "-> %zu, metadata %zu -> %zu, largest_free %zu -> %zu)",
	           OPS->name, what, errno_name(err), a->used, b->used, a->available, b->available,
	           a->metadata, b->metadata, a->largest_free, b->largest_free);
}

static void check_all(struct ctx *c)
{
	char why[256] = "";
	/* Also whenever the last block went: full recovery is where merging bugs show. */
	bool deep = c->hostile || c->step % VALIDATE_EVERY == 0 || (c->sh.n == 0 && c->live_before);
	int r = deep ? OPS->validate(c->state, why, sizeof(why)) : 0;
	struct byte_alloc_stats st = get_stats(c);

	fuzz_trace("  step %u: %zu live, used %zu available %zu largest_free %zu", c->step, c->sh.n,
	           st.used, st.available, st.largest_free);
	FUZZ_CHECK(r == 0, "%s: validate -> %s: %s (step %u)", OPS->name, errno_name(r), why,
	           c->step);
	FUZZ_CHECK(st.used + st.available + st.metadata == st.total,
	           "%s: used %zu + available %zu + metadata %zu != total %zu", OPS->name, st.used,
	           st.available, st.metadata, st.total);
	FUZZ_CHECK(st.total <= c->managed, "%s: total %zu > %zu bytes handed over", OPS->name,
	           st.total, c->managed);
	FUZZ_CHECK(st.used >= c->sh.req_sum, "%s: used %zu < %zu live requested bytes", OPS->name,
	           st.used, c->sh.req_sum);
	FUZZ_CHECK(st.largest_free <= st.available, "%s: largest_free %zu > available %zu",
	           OPS->name, st.largest_free, st.available);
	if (c->sh.n == 0) {
		FUZZ_CHECK(st.used == 0, "%s: no live block but used %zu", OPS->name, st.used);
		FUZZ_CHECK(st.available == c->full_available,
		           "%s: everything freed but available %zu, want %zu", OPS->name,
		           st.available, c->full_available);
		/* With several regions it may depend on free-list order (TLSF's good fit). */
		FUZZ_CHECK(c->nreg > 1 || st.largest_free == c->full_largest,
		           "%s: everything freed but largest_free %zu, want %zu", OPS->name,
		           st.largest_free, c->full_largest);
	}
	if (c->step % SWEEP_EVERY == 0)
		shadow_sweep(&c->sh, OPS->name);
	c->live_before = c->sh.n;
}

bool in_one_region(const struct ctx *c, uintptr_t a, size_t size)
{
	for (unsigned int i = 0; i < c->nreg; i++) {
		const struct region *r = &c->reg[i];

		if (a >= r->base && a - r->base <= r->size && size <= r->size - (a - r->base))
			return true;
	}
	return false;
}

static void add_managed(struct ctx *c, void *base, size_t size)
{
	FUZZ_CHECK(c->nreg < MAX_REGIONS, "region table of the fuzzer is full");
	c->reg[c->nreg].base = (uintptr_t)base;
	c->reg[c->nreg].size = size;
	c->nreg++;
	c->managed += size;
}

/* ---- alloc ------------------------------------------------------------------ */

static void do_alloc(struct ctx *c, size_t size, size_t align)
{
	struct byte_alloc_stats before = get_stats(c), after;
	bool valid = size >= 1 && is_pow2(align);
	void *p = UNTOUCHED;
	int r = call_alloc(c, size, align, &p);

	if (r == 0) {
		uintptr_t a = (uintptr_t)p;

		FUZZ_CHECK(valid, "%s: alloc(%zu, %zu) succeeded", OPS->name, size, align);
		FUZZ_CHECK(in_one_region(c, a, size),
		           "%s: alloc(%zu, %zu) = %p outside the regions", OPS->name, size, align,
		           p);
		FUZZ_CHECK((a & (align - 1)) == 0, "%s: alloc(%zu, %zu) = %p misaligned", OPS->name,
		           size, align, p);
		shadow_add(&c->sh, a, size, align);
		return;
	}
	FUZZ_CHECK(err_in(r, ERRS(EINVAL, ENOMEM)), "%s: alloc(%zu, %zu) -> %s", OPS->name, size,
	           align, errno_name(r));
	FUZZ_CHECK(valid || r == -EINVAL, "%s: alloc(%zu, %zu) -> %s, want EINVAL", OPS->name, size,
	           align, errno_name(r));
	/* largest_free: every alloc(size <= largest_free, 1) succeeds (alloc.h). */
	FUZZ_CHECK(!valid || align != 1 || size > before.largest_free,
	           "%s: alloc(%zu, 1) -> %s but largest_free is %zu", OPS->name, size,
	           errno_name(r), before.largest_free);
	FUZZ_CHECK(p == UNTOUCHED, "%s: failed alloc wrote *out", OPS->name);
	after = get_stats(c);
	expect_same_stats(&before, &after, "alloc", r);
	FUZZ_CHECK(r != -ENOMEM || align != 1 || after.largest_free < size,
	           "%s: alloc(%zu, 1) -> ENOMEM but largest_free is %zu", OPS->name, size,
	           after.largest_free);
}

/* alloc(largest_free + 1, 1) must fail, alloc(largest_free, 1) must succeed. */
static void do_alloc_largest(struct ctx *c)
{
	struct byte_alloc_stats st = get_stats(c);

	if (st.largest_free == 0)
		return;
	if (st.largest_free < SIZE_MAX) {
		void *p = UNTOUCHED;
		int r = call_alloc(c, st.largest_free + 1, 1, &p);

		FUZZ_CHECK(r != 0, "%s: alloc(largest_free + 1 = %zu, 1) succeeded", OPS->name,
		           st.largest_free + 1);
		FUZZ_CHECK(p == UNTOUCHED, "%s: failed alloc wrote *out", OPS->name);
	}
	do_alloc(c, st.largest_free, 1);
}

/* ---- free ------------------------------------------------------------------- */

static void free_live(struct ctx *c, size_t i)
{
	struct shadow_blk b = c->sh.b[i];
	int r;

	shadow_expect_intact(&b, b.size, "before free");
	r = call_free(c, b.addr, b.size, b.align);
	FUZZ_CHECK(r == 0, "%s: free(%#lx, %zu, %zu) of a live block -> %s", OPS->name,
	           (unsigned long)b.addr, b.size, b.align, errno_name(r));
	shadow_remove(&c->sh, i);
}

static void free_all(struct ctx *c, struct fuzz_in *in)
{
	while (c->sh.n)
		free_live(c, fin_done(in) ? c->sh.n - 1 : fin_index(in, c->sh.n));
}

/* ---- resize ----------------------------------------------------------------- */

static void do_resize(struct ctx *c, struct fuzz_in *in)
{
	size_t i = fin_index(in, c->sh.n);
	struct shadow_blk *b = &c->sh.b[i];
	struct byte_alloc_stats before = get_stats(c), after;
	size_t old = b->size, size;
	int r;

	switch (fin_u8(in) % 4) {
	case 0:
		size = 1 + fin_u16(in) % old;
		break;
	case 1:
		size = old + 1 + fin_u16(in) % 512;
		break;
	default:
		size = fin_size(in, c->managed);
		break;
	}
	r = call_resize(c, b->addr, old, size, b->align);
	if (r == 0) {
		FUZZ_CHECK(size >= 1, "%s: resize_in_place to 0 succeeded", OPS->name);
		FUZZ_CHECK(in_one_region(c, b->addr, size),
		           "%s: resize_in_place(%#lx, %zu -> %zu) leaves the region", OPS->name,
		           (unsigned long)b->addr, old, size);
		shadow_resize(&c->sh, i, size);
		return;
	}
	FUZZ_CHECK(err_in(r, ERRS(ENOMEM, ENOTSUP, EINVAL)),
	           "%s: resize_in_place(%zu -> %zu) -> %s", OPS->name, old, size, errno_name(r));
	FUZZ_CHECK(size != 0 || r == -EINVAL || r == -ENOTSUP,
	           "%s: resize_in_place to 0 -> %s, want EINVAL", OPS->name, errno_name(r));
	after = get_stats(c);
	expect_same_stats(&before, &after, "resize_in_place", r);
	shadow_expect_intact(b, old, "failed resize");
}

/* ---- add_region --------------------------------------------------------------- */

int add_region(struct ctx *c, void *base, size_t size, const int *allowed)
{
	struct byte_alloc_stats before = get_stats(c), after;
	int r = call_add_region(c, base, size);

	after = get_stats(c);
	FUZZ_CHECK(err_in(r, allowed), "%s: add_region(%p, %zu) -> %s", OPS->name, base, size,
	           errno_name(r));
	if (r != 0) {
		expect_same_stats(&before, &after, "add_region", r);
		return r;
	}
	FUZZ_CHECK(after.used == before.used, "%s: add_region changed used", OPS->name);
	FUZZ_CHECK(after.available >= before.available, "%s: add_region lowered available",
	           OPS->name);
	add_managed(c, base, size);
	c->full_available += after.available - before.available;
	return 0;
}

static void do_add_region(struct ctx *c, struct fuzz_in *in)
{
	uint8_t sel = fin_u8(in);
	size_t size = sel & 1 ? 1 + fin_u8(in) : 64 + fin_u32(in) % (sel & 16 ? 64 * 1024 : 8192);
	size_t offset = sel & 2 ? fin_u8(in) % 64 : (fin_u8(in) % 8) * 8;
	unsigned char *base;

	if (c->nreg == MAX_REGIONS || c->managed > MAX_MANAGED)
		return;
	if (sel & 4 && c->spare_size) {
		/* Right behind the init region (or after a gap), in the same buffer. */
		offset = sel & 8 ? 0 : offset;
		if (offset >= c->spare_size)
			return;
		base = c->spare + offset;
		size = 1 + size % (c->spare_size - offset);
		c->spare_size = 0;
	} else {
		base = guarded_new(&c->mem, size, offset, fin_u8(in));
		if (!base)
			return;
	}
	add_region(c, base, size, ERRS(EINVAL, ENOMEM, ENOTSUP));
}

/* ---- driver ------------------------------------------------------------------- */

static bool setup(struct ctx *c, struct fuzz_in *in)
{
	uint8_t sel = fin_u8(in);
	size_t size, offset, spare, state_bytes;
	uint8_t junk;
	unsigned char *base;
	int r;

	if (sel < 8)
		size = sel * 9;
	else if (sel < 160)
		size = 64 + fin_u16(in) % (16 * 1024);
	else
		size = 64 + fin_u32(in) % (64 * 1024);
	offset = sel & 1 ? fin_u8(in) % 64 : (fin_u8(in) % 8) * 8;
	spare = fin_u8(in) & 1 ? fin_u16(in) % 8192 : 0;
	junk = fin_u8(in);

	state_bytes = ALIGN_UP(MAX(OPS->state_size, (size_t)1), (size_t)16);
	c->state = aligned_alloc(16, state_bytes);
	FUZZ_CHECK(c->state != NULL, "out of host memory");
	memset(c->state, junk, state_bytes);
	base = guarded_new(&c->mem, size + spare, offset, junk);
	FUZZ_CHECK(base != NULL, "out of host memory");
	c->spare = base + size;
	c->spare_size = spare;
	r = OPS->init(c->state, base, size);
	FUZZ_CHECK(err_in(r, ERRS(EINVAL, ENOMEM)), "%s: init(%zu bytes at +%zu) -> %s", OPS->name,
	           size, offset, errno_name(r));
	FUZZ_CHECK(r == 0 || size < 4096, "%s: init(%zu bytes at +%zu) -> %s", OPS->name, size,
	           offset, errno_name(r));
	if (r != 0)
		return false;
	add_managed(c, base, size);
	{
		struct byte_alloc_stats st = get_stats(c);

		c->full_available = st.available;
		c->full_largest = st.largest_free;
	}
	check_all(c);
	return true;
}

static void step(struct ctx *c, struct fuzz_in *in)
{
	uint8_t op = fin_u8(in) % 16;

	if (op >= 5 && op <= 12 && c->sh.n == 0)
		op = 0;
	/* Refused calls are checked through the stats; these may change the layout. */
	c->hostile = op == 9 || op == 13 || op == 14;
	switch (op) {
	case 0 ... 4:
		do_alloc(c, fin_size(in, c->managed), fin_align(in));
		break;
	case 5 ... 7:
		free_live(c, fin_index(in, c->sh.n));
		break;
	case 8:
		do_bad_free(c, in);
		break;
	case 9:
		do_wrong_size_free(c, in);
		break;
	case 10:
	case 11:
		if (OPS->resize_in_place)
			do_resize(c, in);
		break;
	case 12:
		if (OPS->resize_in_place)
			do_bad_resize(c, in);
		break;
	case 13:
		if (OPS->add_region)
			do_add_region(c, in);
		break;
	case 14:
		if (OPS->add_region)
			do_add_hostile(c, in);
		break;
	default:
		switch (fin_u8(in) % 3) {
		case 0:
			do_alloc_largest(c);
			break;
		case 1:
			free_all(c, in);
			break;
		default:
			do_bad_free(c, in);
			break;
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct ctx c;

	memset(&c, 0, sizeof(c));
	shadow_init(&c.sh);
	if (setup(&c, &in)) {
		for (c.step = 1; !fin_done(&in) && c.step < MAX_STEPS; c.step++) {
			step(&c, &in);
			check_all(&c);
		}
		shadow_sweep(&c.sh, "end");
		free_all(&c, &in);
		c.hostile = true; /* validate once more at the end */
		check_all(&c);
	}
	shadow_fini(&c.sh);
	guarded_free_all(&c.mem);
	free(c.state);
	return 0;
}
