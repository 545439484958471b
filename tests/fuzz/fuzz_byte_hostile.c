// SPDX-License-Identifier: MIT
/*
 * The byte-allocator fuzz target's operations outside the interface's contract
 * (see fuzz_byte_alloc.c for the checks): frees and resizes of pointers that
 * are not live blocks, frees with the wrong size or alignment, and regions
 * that overlap, are empty or run past the top of the address space. Each must
 * be refused with a documented error and leave the statistics unchanged.
 */
#include "fuzz_byte_alloc.h"

static unsigned char foreign[256];

/* An address that is not the start of a live block. */
static uintptr_t bad_pointer(struct ctx *c, struct fuzz_in *in, size_t *size, size_t *align)
{
	uint8_t kind = fin_u8(in) % 8;
	uintptr_t a = 0;

	*size = 1 + fin_u8(in) * 8;
	*align = 1;
	switch (kind) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)foreign + fin_u8(in) % 64;
	case 2: /* interior of a live block, with its real size */
		if (c->sh.n) {
			const struct shadow_blk *b = &c->sh.b[fin_index(in, c->sh.n)];

			if (b->size > 1) {
				*size = b->size;
				*align = b->align;
				return b->addr + 1 + fin_u32(in) % (b->size - 1);
			}
		}
		break;
	case 3: /* anywhere in a region */
	case 4: {
		const struct region *r = &c->reg[fin_index(in, c->nreg)];

		a = r->base + fin_u32(in) % r->size;
		if (kind == 4)
			a &= ~(uintptr_t)15;
		break;
	}
	case 5: /* already freed */
		if (c->sh.nfreed)
			a = c->sh.freed[fin_index(in, c->sh.nfreed)];
		break;
	case 6: { /* just outside a region */
		const struct region *r = &c->reg[fin_index(in, c->nreg)];
		size_t d = 1 + fin_u8(in) * 8;

		a = fin_u8(in) & 1 ? r->base - d : r->base + r->size + d - 1;
		break;
	}
	default:
		a = fin_u8(in) & 1 ? (uintptr_t)16 : UINTPTR_MAX & ~(uintptr_t)15;
		break;
	}
	if (a && shadow_find(&c->sh, a) != SIZE_MAX)
		a = 0;
	return a;
}

void do_bad_free(struct ctx *c, struct fuzz_in *in)
{
	struct byte_alloc_stats before = get_stats(c), after;
	size_t size, align;
	uintptr_t a = bad_pointer(c, in, &size, &align);
	int r = call_free(c, a, size, align);

	FUZZ_CHECK(r != 0, "%s: free(%#lx, %zu, %zu) of no live block succeeded", OPS->name,
	           (unsigned long)a, size, align);
	FUZZ_CHECK(err_in(r, ERRS(ENOTALLOC, EINVAL)), "%s: bad free -> %s", OPS->name,
	           errno_name(r));
	after = get_stats(c);
	expect_same_stats(&before, &after, "bad free", r);
}

/*
 * free() of a live block with another size or alignment: outside the contract,
 * so refusing and accepting are both fine, as long as the state stays sound.
 */
void do_wrong_size_free(struct ctx *c, struct fuzz_in *in)
{
	size_t i = fin_index(in, c->sh.n);
	struct shadow_blk b = c->sh.b[i];
	struct byte_alloc_stats before = get_stats(c), after;
	size_t size = fin_size(in, b.size * 2 + 64);
	size_t align = fin_u8(in) & 1 ? fin_align(in) : b.align;
	int r;

	if (size == b.size && align == b.align)
		return;
	shadow_expect_intact(&b, b.size, "before free");
	r = call_free(c, b.addr, size, align);
	FUZZ_CHECK(err_in(r, ERRS(ENOTALLOC, EINVAL)), "%s: free with a wrong size -> %s",
	           OPS->name, errno_name(r));
	if (r == 0) {
		shadow_remove(&c->sh, i);
		return;
	}
	after = get_stats(c);
	expect_same_stats(&before, &after, "wrong-size free", r);
}

void do_bad_resize(struct ctx *c, struct fuzz_in *in)
{
	struct byte_alloc_stats before = get_stats(c), after;
	size_t size, align;
	uintptr_t a = bad_pointer(c, in, &size, &align);
	size_t new_size = fin_size(in, c->managed);
	int r = call_resize(c, a, size, new_size, align);

	FUZZ_CHECK(r != 0, "%s: resize_in_place(%#lx) of no live block succeeded", OPS->name,
	           (unsigned long)a);
	FUZZ_CHECK(err_in(r, ERRS(ENOTALLOC, EINVAL, ENOTSUP)), "%s: bad resize -> %s", OPS->name,
	           errno_name(r));
	after = get_stats(c);
	expect_same_stats(&before, &after, "bad resize", r);
}

/* Regions the allocator must refuse: overlapping ones and nonsense. */
void do_add_hostile(struct ctx *c, struct fuzz_in *in)
{
	uint8_t kind = fin_u8(in) % 4;
	const struct region *r = &c->reg[fin_index(in, c->nreg)];
	uintptr_t base;
	size_t size;
	int err;

	switch (kind) {
	case 0:
	case 1: { /* overlaps r: starts up to a guard zone before it, ends inside or after */
		size_t before = fin_u16(in) % (SHADOW_GUARD / 2);
		size_t len = 1 + fin_u32(in) % (r->size + SHADOW_GUARD / 2);
		size_t start_in = fin_u32(in) % r->size;

		if (kind == 0) {
			base = r->base - before;
			size = before + 1 + len % r->size;
		} else {
			base = r->base + start_in;
			size = len;
		}
		err = add_region(c, (void *)base, size, ERRS(EOVERLAP, ENOMEM, ENOTSUP));
		break;
	}
	case 2: /* NULL or empty */
		base = fin_u8(in) & 1 ? 0 : r->base + r->size + SHADOW_GUARD;
		size = base ? 0 : 4096;
		err = add_region(c, (void *)base, size, ERRS(EINVAL, ENOMEM, ENOTSUP));
		break;
	default: { /* runs past the top of the address space */
		size_t below_top = fin_u16(in);

		base = UINTPTR_MAX - below_top;
		size = below_top + 1 + (fin_u8(in) & 1 ? 0 : (size_t)1 << (fin_u8(in) % 40));
		err = add_region(c, (void *)base, size, ERRS(EINVAL, ENOMEM, ENOTSUP));
		break;
	}
	}
	FUZZ_CHECK(err != 0, "%s: add_region(%#lx, %zu) must be refused", OPS->name,
	           (unsigned long)base, size);
}
