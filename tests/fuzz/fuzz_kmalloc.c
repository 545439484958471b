// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for kmalloc's struct kheap (include/bora/kmalloc.h) over
 * every byte allocator in mm/ (the first input byte picks one), with or without
 * debug mode, growing from a bitmap page allocator over a guarded pool or not
 * at all.
 *
 * Operations: kheap_alloc with hostile sizes and alignments, kheap_free of live
 * blocks, kheap_free and kheap_realloc of pointers that are not live blocks
 * (each class has its documented answer: misaligned -EINVAL, outside the heap
 * -EFAULT; outside debug mode anything else -ENOTALLOC, the allocator's "no
 * live block"; in debug mode an interior pointer -ECORRUPT, a freed block
 * -ENOTALLOC or -ECORRUPT once its header is reused), kheap_realloc of live
 * blocks (grow, shrink, to 0), kheap_usable_size and kheap_flush_quarantine.
 * After every step kheap_validate is clean and the counters agree with the
 * model: live_allocs, requested (exact in debug mode, at least the model's
 * outside it, where kmalloc keeps no size), total/failed allocations, errors,
 * and in debug mode one report per error with the right kind, pointer and
 * caller.
 */
#include "shadow.h"

#include <bora/bitmap_page.h>
#include <bora/kmalloc.h>

#define MAX_STEPS 2048
#define POOL_SIZE (1u << 20)
#define CALLER    ((void *)(uintptr_t)0xca11e5)

static const struct byte_allocator_ops *const allocators[] = {
#ifdef FUZZ_HAVE_tlsf
    &tlsf_byte_ops,
#endif
#ifdef FUZZ_HAVE_buddy
    &buddy_byte_ops,
#endif
#ifdef FUZZ_HAVE_bitmap_buddy
    &bitmap_buddy_byte_ops,
#endif
#ifdef FUZZ_HAVE_slab
    &slab_byte_ops,
#endif
};

struct ctx {
	struct kheap h;
	void *state;
	struct bitmap_page pages;
	struct guarded_set mem;
	struct shadow sh;
	struct kheap_stats want; /* the counters the model predicts */
	bool debug;
	unsigned int step;
};

static struct {
	size_t n;
	enum kheap_error kind;
	void *ptr, *caller;
} reported;

static void recorder(struct kheap *h, enum kheap_error kind, void *ptr, void *caller)
{
	FUZZ_CHECK(!spin_is_locked(&h->lock), "kmalloc: report delivered under the lock");
	reported.n++;
	reported.kind = kind;
	reported.ptr = ptr;
	reported.caller = caller;
}

static void check_all(struct ctx *c)
{
	struct kheap_stats st;
	char why[256] = "";
	/* The byte allocators' own targets validate them after every hostile step. */
	int r = c->step % 16 ? 0 : kheap_validate(&c->h, why, sizeof(why));

	FUZZ_CHECK(r == 0, "kmalloc/%s: validate -> %s: %s (step %u)", c->h.ops->name,
	           errno_name(r), why, c->step);
	kheap_stats(&c->h, &st);
	FUZZ_CHECK(st.live_allocs == c->sh.n &&
	               (c->debug ? st.requested == c->sh.req_sum : st.requested >= c->sh.req_sum) &&
	               st.total_allocs == c->want.total_allocs &&
	               st.failed_allocs == c->want.failed_allocs && st.errors == c->want.errors,
	           "kmalloc/%s: live %zu requested %zu allocs %zu failed %zu errors %zu; model "
	           "%zu %zu %zu %zu %zu",
	           c->h.ops->name, st.live_allocs, st.requested, st.total_allocs, st.failed_allocs,
	           st.errors, c->sh.n, c->sh.req_sum, c->want.total_allocs, c->want.failed_allocs,
	           c->want.errors);
	FUZZ_CHECK(st.used >= st.requested && st.peak_used >= st.used,
	           "kmalloc: used %zu requested %zu peak %zu", st.used, st.requested, st.peak_used);
	FUZZ_CHECK(c->sh.n || st.used == 0, "kmalloc: nothing live but used %zu", st.used);
	FUZZ_CHECK(reported.n == c->want.errors,
	           "kmalloc: %zu reports for %zu errors (debug %d)", reported.n, c->want.errors,
	           c->debug);
	FUZZ_CHECK(!c->debug || st.quarantined <= st.total, "kmalloc: quarantine too big");
	if (c->step % 64 == 0)
		shadow_sweep(&c->sh, "kmalloc");
}

static bool in_heap(const struct ctx *c, uintptr_t a, size_t size)
{
	for (size_t i = 0; i < c->h.nregions; i++) {
		const struct kheap_region *r = &c->h.regions[i];

		if (a >= r->base && a - r->base <= r->size && size <= r->size - (a - r->base))
			return true;
	}
	return false;
}

/* kheap_free looks at a header only when it lies wholly inside one heap region. */
static bool header_in_heap(const struct ctx *c, uintptr_t a)
{
	for (size_t i = 0; i < c->h.nregions; i++)
		if (a >= c->h.regions[i].base + 16 &&
		    a - c->h.regions[i].base < c->h.regions[i].size)
			return true;
	return false;
}

static void do_alloc(struct ctx *c, size_t size, size_t align)
{
	bool valid_align = align <= 1 || (is_pow2(align) && align <= ((size_t)1 << 62));
	size_t eff = MAX(align, (size_t)KHEAP_MIN_ALIGN);
	void *p = kheap_alloc(&c->h, size, align);
	uintptr_t a = (uintptr_t)p;

	fuzz_trace("kheap_alloc(%zu, %zu) -> %p", size, align, p);
	if (!p) {
		if (size)
			c->want.failed_allocs++;
		return;
	}
	FUZZ_CHECK(size && valid_align, "kmalloc: kheap_alloc(%zu, %zu) succeeded", size, align);
	FUZZ_CHECK((a & (eff - 1)) == 0, "kmalloc: %p not aligned to %zu", p, eff);
	FUZZ_CHECK(in_heap(c, a, size), "kmalloc: %p+%zu outside the heap regions", p, size);
	FUZZ_CHECK(
	    c->debug ? kheap_usable_size(&c->h, p) == size : kheap_usable_size(&c->h, p) >= size,
	    "kmalloc: usable size of %p is %zu for %zu", p, kheap_usable_size(&c->h, p), size);
	c->want.total_allocs++;
	shadow_add(&c->sh, a, size, eff);
}

static void free_live(struct ctx *c, size_t i)
{
	struct shadow_blk b = c->sh.b[i];
	int r;

	shadow_expect_intact(&b, b.size, "before kheap_free");
	r = kheap_free(&c->h, (void *)b.addr, CALLER);
	fuzz_trace("kheap_free(%#lx) -> %s", (unsigned long)b.addr, errno_name(r));
	FUZZ_CHECK(r == 0, "kmalloc: kheap_free of live %#lx (size %zu) -> %s",
	           (unsigned long)b.addr, b.size, errno_name(r));
	shadow_remove(&c->sh, i);
}

/*
 * A pointer that is not a live block and the answers kheap_free may give:
 * `want` exactly, or anything in `also` when the class has more than one.
 */
static uintptr_t bad_pointer(struct ctx *c, struct fuzz_in *in, int *want, int *also)
{
	static unsigned char foreign[64] __attribute__((aligned(16)));
	uintptr_t a;

	*also = 0;
	switch (fin_u8(in) % 6) {
	case 0: /* misaligned */
		a = c->sh.n ? c->sh.b[fin_index(in, c->sh.n)].addr : c->h.regions[0].base + 256;
		a = ALIGN_DOWN(a, KHEAP_MIN_ALIGN) + 1 + fin_u8(in) % (KHEAP_MIN_ALIGN - 1);
		*want = -EINVAL;
		return a;
	case 1: /* outside every region */
		a = fin_u8(in) & 1 ? (uintptr_t)foreign
		                   : ALIGN_DOWN(c->h.regions[0].base, 16) - 16 * (1 + fin_u8(in));
		*want = -EFAULT;
		return header_in_heap(c, a) ? 0 : a;
	case 2: /* interior, 16-aligned: the bytes before it are payload */
		if (c->sh.n) {
			const struct shadow_blk *b = &c->sh.b[fin_index(in, c->sh.n)];

			if (b->size > 16) {
				*want = c->debug ? -ECORRUPT : -ENOTALLOC;
				return b->addr + 16 * (1 + fin_u32(in) % ((b->size - 1) / 16));
			}
		}
		break;
	case 3: /* freed earlier: its header says so, or the allocator reused it */
		if (c->sh.nfreed) {
			a = c->sh.freed[fin_index(in, c->sh.nfreed)];
			if (shadow_find(&c->sh, a) == SIZE_MAX) {
				*want = -ENOTALLOC;
				*also = c->debug ? -ECORRUPT : 0;
				return a;
			}
		}
		break;
	default: { /* anywhere in a region */
		const struct kheap_region *r = &c->h.regions[fin_index(in, c->h.nregions)];

		a = ALIGN_DOWN(r->base + fin_u32(in) % r->size, (uintptr_t)16);
		if (shadow_find(&c->sh, a) != SIZE_MAX)
			break;
		if (c->debug) {
			*want = header_in_heap(c, a) ? -ECORRUPT : -EFAULT;
			*also = -ENOTALLOC;
		} else {
			/* Rounding down may step below a region base that is only 8-aligned. */
			*want = a >= r->base ? -ENOTALLOC : -EFAULT;
		}
		return a;
	}
	}
	return 0;
}

static enum kheap_error kind_of(int err)
{
	switch (err) {
	case -EINVAL:
		return KHEAP_ERR_MISALIGNED;
	case -EFAULT:
		return KHEAP_ERR_OUTSIDE;
	case -ENOTALLOC:
		return KHEAP_ERR_DOUBLE_FREE;
	default:
		return KHEAP_ERR_BAD_MAGIC;
	}
}

static void do_bad_free(struct ctx *c, struct fuzz_in *in, bool via_realloc)
{
	struct kheap_stats before, after;
	int want, also, r;
	uintptr_t a = bad_pointer(c, in, &want, &also);

	if (!a)
		return;
	kheap_stats(&c->h, &before);
	if (via_realloc) {
		void *q = kheap_realloc(&c->h, (void *)a, 1 + fin_u16(in), CALLER);

		fuzz_trace("kheap_realloc(bad %#lx) -> %p", (unsigned long)a, q);
		FUZZ_CHECK(q == NULL, "kmalloc: krealloc of non-block %#lx returned %p",
		           (unsigned long)a, q);
		r = want; /* realloc reports the same error class but returns no code */
	} else {
		r = kheap_free(&c->h, (void *)a, CALLER);
		fuzz_trace("kheap_free(bad %#lx) -> %s", (unsigned long)a, errno_name(r));
		FUZZ_CHECK(r == want || (also && r == also),
		           "kmalloc/%s: kheap_free(%#lx) -> %s, want %s%s%s", c->h.ops->name,
		           (unsigned long)a, errno_name(r), errno_name(want), also ? " or " : "",
		           also ? errno_name(also) : "");
	}
	c->want.errors++;
	FUZZ_CHECK(kheap_usable_size(&c->h, (void *)a) == 0, "kmalloc: usable size of non-block");
	kheap_stats(&c->h, &after);
	after.errors = before.errors;
	after.failed_allocs = before.failed_allocs;
	FUZZ_CHECK(memcmp(&before, &after, sizeof(before)) == 0,
	           "kmalloc: refused free of %#lx changed the heap", (unsigned long)a);
	if (c->debug) {
		FUZZ_CHECK(reported.ptr == (void *)a && reported.caller == CALLER,
		           "kmalloc: report names %p from %p, want %#lx from %p", reported.ptr,
		           reported.caller, (unsigned long)a, CALLER);
		FUZZ_CHECK(via_realloc || reported.kind == kind_of(r),
		           "kmalloc: report kind %s for %s", kheap_error_name(reported.kind),
		           errno_name(r));
	}
}

static void do_realloc(struct ctx *c, struct fuzz_in *in)
{
	size_t i = fin_index(in, c->sh.n);
	struct shadow_blk b = c->sh.b[i];
	size_t size, keep;
	void *q;

	switch (fin_u8(in) % 5) {
	case 0:
		size = 0;
		break;
	case 1:
		size = 1 + fin_u16(in) % b.size;
		break;
	case 2:
		size = b.size + 1 + fin_u16(in) % 1024;
		break;
	default:
		size = fin_size(in, 64 * 1024);
		break;
	}
	q = kheap_realloc(&c->h, (void *)b.addr, size, CALLER);
	fuzz_trace("kheap_realloc(%#lx, %zu -> %zu) -> %p", (unsigned long)b.addr, b.size, size, q);
	if (size == 0) {
		FUZZ_CHECK(q == NULL, "kmalloc: krealloc(p, 0) returned %p", q);
		shadow_remove(&c->sh, i);
		return;
	}
	if (!q) {
		/* Only a grow can fail, and it leaves the block as it was. */
		FUZZ_CHECK(size > b.size, "kmalloc: shrinking krealloc(%zu -> %zu) failed", b.size,
		           size);
		c->want.failed_allocs++;
		shadow_expect_intact(&b, b.size, "failed krealloc");
		return;
	}
	keep = MIN(b.size, size);
	if ((uintptr_t)q == b.addr) {
		size_t now = kheap_usable_size(&c->h, q);

		/* Resized in place, or a shrink that could not move keeps its size. */
		FUZZ_CHECK(c->debug ? now == size || (size < b.size && now == b.size) : now >= size,
		           "kmalloc/%s: krealloc in place to %zu left usable size %zu", c->h.ops->name,
		           size, now);
		shadow_resize(&c->sh, i, now);
		return;
	}
	{
		struct shadow_blk moved = b;

		moved.addr = (uintptr_t)q;
		shadow_expect_intact(&moved, keep, "moved by krealloc");
	}
	/* Outside debug mode kmalloc keeps no alignment: a move keeps up to a page of it. */
	FUZZ_CHECK(((uintptr_t)q & ((c->debug ? b.align : MIN(b.align, (size_t)PAGE_SIZE)) - 1)) ==
	               0,
	           "kmalloc: krealloc lost the alignment");
	FUZZ_CHECK(c->debug ? kheap_usable_size(&c->h, q) == size
	                    : kheap_usable_size(&c->h, q) >= size,
	           "kmalloc: moved block has the wrong size");
	c->want.total_allocs++;
	shadow_remove(&c->sh, i);
	shadow_add(&c->sh, (uintptr_t)q, size, b.align);
}

static void step(struct ctx *c, struct fuzz_in *in)
{
	uint8_t op = fin_u8(in) % 12;

	if ((op == 4 || op == 5 || op == 7) && c->sh.n == 0)
		op = 0;
	switch (op) {
	case 0 ... 3:
		do_alloc(c, fin_size(in, 64 * 1024), fin_align(in));
		break;
	case 4:
	case 5:
		free_live(c, fin_index(in, c->sh.n));
		break;
	case 6:
	case 8:
		do_bad_free(c, in, op == 8);
		break;
	case 7:
		do_realloc(c, in);
		break;
	case 9:
		FUZZ_CHECK(kheap_free(&c->h, NULL, CALLER) == 0, "kmalloc: kfree(NULL) failed");
		do_alloc(c, 0, 1);
		break;
	case 10: {
		size_t violations = kheap_flush_quarantine(&c->h);
		struct kheap_stats st;

		kheap_stats(&c->h, &st);
		FUZZ_CHECK(violations == 0 && st.quarantined == 0,
		           "kmalloc: flush found %zu poison violations, %zu bytes left", violations,
		           st.quarantined);
		break;
	}
	default: /* big enough to make the heap grow */
		do_alloc(c, 1 + fin_u32(in) % (512 * 1024), fin_u8(in) & 1 ? 4096 : 1);
		break;
	}
}

static bool setup(struct ctx *c, struct fuzz_in *in)
{
	const struct byte_allocator_ops *ops = allocators[fin_u8(in) % ARRAY_SIZE(allocators)];
	uint8_t sel = fin_u8(in);
	size_t heap_size = sel & 1 ? 4096 + fin_u16(in) : 1024 + fin_u16(in) % 16384;
	size_t offset = (fin_u8(in) % 8) * 8;
	unsigned char *heap, *pool;
	int r;

	c->debug = sel & 2;
	c->state = aligned_alloc(16, ALIGN_UP(ops->state_size, (size_t)16));
	FUZZ_CHECK(c->state != NULL, "out of host memory");
	memset(c->state, 0x5a, ops->state_size);
	heap = guarded_new(&c->mem, heap_size, offset, sel);
	FUZZ_CHECK(heap != NULL, "out of host memory");
	FUZZ_CHECK(kheap_init(&c->h, ops, c->state, heap, 0, 0) == -EINVAL,
	           "kmalloc: kheap_init of 0 bytes accepted");
	FUZZ_CHECK(kheap_init(&c->h, ops, c->state, heap, heap_size, 0x80) == -EINVAL,
	           "kmalloc: kheap_init with unknown flags accepted");
	r = kheap_init(&c->h, ops, c->state, heap, heap_size, c->debug ? KHEAP_DEBUG : 0);
	FUZZ_CHECK(r == 0, "kmalloc/%s: kheap_init(%zu bytes) -> %s", ops->name, heap_size,
	           errno_name(r));
	c->h.report = recorder;
	if (sel & 4) {
		pool = guarded_new(&c->mem, POOL_SIZE, 0, 0);
		FUZZ_CHECK(pool != NULL, "out of host memory");
		r = bitmap_page_init(&c->pages, (uintptr_t)pool, POOL_SIZE);
		FUZZ_CHECK(r == 0, "bitmap_page_init -> %s", errno_name(r));
		kheap_set_page_source(&c->h, &bitmap_page_ops, &c->pages);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct ctx c;

	memset(&c, 0, sizeof(c));
	memset(&reported, 0, sizeof(reported));
	shadow_init(&c.sh);
	if (setup(&c, &in)) {
		check_all(&c);
		for (c.step = 1; !fin_done(&in) && c.step < MAX_STEPS; c.step++) {
			step(&c, &in);
			check_all(&c);
		}
		shadow_sweep(&c.sh, "end");
		while (c.sh.n)
			free_live(&c, c.sh.n - 1);
		kheap_flush_quarantine(&c.h);
		c.step = 0;
		check_all(&c);
	}
	shadow_fini(&c.sh);
	guarded_free_all(&c.mem);
	free(c.state);
	return 0;
}
