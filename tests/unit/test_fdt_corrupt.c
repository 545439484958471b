// SPDX-License-Identifier: MIT
/*
 * The FDT reader against bad input: blobs corrupted from a good dtc-built one,
 * blobs assembled token by token, and random mutation. Each corrupt blob
 * sits in a heap buffer of exactly the size passed as max_size, so ASan
 * reports any read past it; alarm() turns a non-terminating scan into a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bora/fdt.h>

#include "fdt_blob.h"

/* Header field offsets (Devicetree Specification v0.4, 5.2). */
enum {
	H_MAGIC = 0,
	H_TOTAL = 4,
	H_STRUCT = 8,
	H_STRINGS = 12,
	H_RSVMAP = 16,
	H_VERSION = 20,
	H_LASTCOMP = 24,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36
};
enum { T_BEGIN = 1, T_END_NODE = 2, T_PROP = 3, T_NOP = 4, T_END = 9 };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t hdr(const struct blob *b, int field)
{
	return fdt32_ld(b->data + field);
}

static struct blob copy(const struct blob *b, size_t size)
{
	struct blob c = {malloc(size ? size : 1), size};

	assert_non_null(c.data);
	memcpy(c.data, b->data, MIN(size, b->size));
	return c;
}

/* ---- truncation and header fields ------------------------------------------ */

static void truncated_at_every_length(void **state)
{
	static const char *const names[] = {"qemu-virt.dtb", "two-banks.dtb"};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct blob good = load(names[i]);

		assert_int_equal(fdt_check(good.data, good.size), 0);
		for (size_t len = 0; len < good.size; len++) {
			struct blob c = copy(&good, len);

			/* As cut: the header still claims the full size. */
			assert_int_equal(fdt_check(c.data, len),
			                 len < 40 ? -FDT_ERR_TRUNCATED : -FDT_ERR_BADTOTALSIZE);
			/* Cut and made consistent: a block must now stick out. */
			if (len >= 40) {
				put32(c.data + H_TOTAL, (uint32_t)len);
				int rc = fdt_check(c.data, len);
				assert_true(rc == -FDT_ERR_BADSTRINGSBLOCK ||
				            rc == -FDT_ERR_BADSTRUCTBLOCK);
			}
			free(c.data);
		}
		free(good.data);
	}
}

struct field_case {
	int field;
	int64_t value; /* < 0: relative to the field's current value */
	bool relative;
	int expect;
};

static void header_fields(void **state)
{
	struct blob good = load("qemu-virt.dtb");
	const uint32_t size = (uint32_t)good.size;
	const uint32_t off_struct = hdr(&good, H_STRUCT);
	const struct field_case cases[] = {
	    {H_MAGIC, 0xd00dfeee, false, -FDT_ERR_BADMAGIC},
	    {H_MAGIC, 0xedfe0dd0, false, -FDT_ERR_BADMAGIC}, /* little-endian writer */
	    {H_VERSION, 15, false, -FDT_ERR_BADVERSION},
	    {H_LASTCOMP, 18, false, -FDT_ERR_BADVERSION},
	    {H_VERSION, 16, false, 0}, /* v16 reader ignores size_dt_struct */
	    {H_TOTAL, size + 1, false, -FDT_ERR_BADTOTALSIZE},
	    {H_TOTAL, 20, false, -FDT_ERR_BADTOTALSIZE},
	    {H_STRUCT, size + 4, false, -FDT_ERR_BADSTRUCTBLOCK},
	    {H_STRUCT, 2, true, -FDT_ERR_BADSTRUCTBLOCK},  /* misaligned */
	    {H_STRUCT, 0, false, -FDT_ERR_BADSTRUCTBLOCK}, /* inside the header */
	    {H_STRUCT, 0xfffffffc, false, -FDT_ERR_BADSTRUCTBLOCK},
	    {H_SIZE_STRUCT, size, false, -FDT_ERR_BADSTRUCTBLOCK},
	    {H_SIZE_STRUCT, 0xffffffff, false, -FDT_ERR_BADSTRUCTBLOCK},
	    {H_SIZE_STRUCT, 0, false, -FDT_ERR_NOEND},
	    {H_SIZE_STRUCT, -4, true, -FDT_ERR_NOEND}, /* FDT_END cut off */
	    {H_STRINGS, size + 1, false, -FDT_ERR_BADSTRINGSBLOCK},
	    {H_STRINGS, off_struct, false, -FDT_ERR_BADSTRINGSBLOCK}, /* overlaps struct */
	    {H_STRINGS, 8, false, -FDT_ERR_BADSTRINGSBLOCK},
	    {H_SIZE_STRINGS, 0xffffff00, false, -FDT_ERR_BADSTRINGSBLOCK},
	    {H_SIZE_STRINGS, 0, false, -FDT_ERR_BADSTRINGOFFSET},
	    {H_RSVMAP, 4, true, -FDT_ERR_BADRSVMAP}, /* misaligned */
	    {H_RSVMAP, 0, false, -FDT_ERR_BADRSVMAP},
	    {H_RSVMAP, 0xfffffff8, false, -FDT_ERR_BADRSVMAP},
	    {H_RSVMAP, size - 8, false, -FDT_ERR_BADRSVMAP},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct blob c = copy(&good, good.size);
		uint32_t v = cases[i].relative
		                 ? (uint32_t)(hdr(&good, cases[i].field) + cases[i].value)
		                 : (uint32_t)cases[i].value;
		int rc;

		put32(c.data + cases[i].field, v);
		rc = fdt_check(c.data, c.size);
		if (rc != cases[i].expect)
			fail_msg("case %zu: got %s, want %s", i, fdt_strerror(rc),
			         fdt_strerror(cases[i].expect));
		free(c.data);
	}

	/* A caller that does not know the size yet may pass SIZE_MAX: totalsize still bounds. */
	struct blob c = copy(&good, good.size);
	put32(c.data + H_TOTAL, 0x80000000);
	assert_int_equal(fdt_check(c.data, SIZE_MAX), -FDT_ERR_BADTOTALSIZE);
	put32(c.data + H_TOTAL, size);
	assert_int_equal(fdt_check(c.data, SIZE_MAX), 0);
	free(c.data);
	free(good.data);
}

static void reservation_block(void **state)
{
	struct blob good = load("two-banks.dtb");
	uint32_t rsv = hdr(&good, H_RSVMAP);
	struct blob c = copy(&good, good.size);

	(void)state;
	/* two-banks has two entries; overwrite the (0, 0) terminator. */
	put32(c.data + rsv + 32 + 4, 0x1000);
	assert_int_equal(fdt_check(c.data, c.size), -FDT_ERR_BADRSVMAP);
	memcpy(c.data, good.data, good.size);
	put32(c.data + rsv, 0xffffffff);
	put32(c.data + rsv + 4, 0xfffff000);
	assert_int_equal(fdt_check(c.data, c.size), -FDT_ERR_BADRSVMAP); /* wraps */
	free(c.data);

	/*
	 * Insert padding between header and reservation block: 8 bytes keep the
	 * block 8-aligned (5.3) and the blob valid, 4 bytes do not.
	 */
	for (uint32_t pad = 4; pad <= 8; pad += 4) {
		c = copy(&good, good.size + pad);
		memset(c.data + 40, 0, pad);
		memcpy(c.data + 40 + pad, good.data + 40, good.size - 40);
		put32(c.data + H_TOTAL, (uint32_t)c.size);
		put32(c.data + H_RSVMAP, hdr(&good, H_RSVMAP) + pad);
		put32(c.data + H_STRUCT, hdr(&good, H_STRUCT) + pad);
		put32(c.data + H_STRINGS, hdr(&good, H_STRINGS) + pad);
		assert_int_equal(fdt_check(c.data, c.size), pad == 8 ? 0 : -FDT_ERR_BADRSVMAP);
		free(c.data);
	}
	free(good.data);
}

/* ---- structure block ---------------------------------------------------------- */

static uint8_t *struct_block(const struct blob *b)
{
	return b->data + hdr(b, H_STRUCT);
}

static void structure_tokens(void **state)
{
	struct blob good = load("qemu-virt.dtb");
	const uint32_t ssize = hdr(&good, H_SIZE_STRUCT);
	struct fdt fdt;
	struct blob c;
	int last;

	(void)state;
	assert_int_equal(fdt_init(&fdt, good.data, good.size), 0);
	last = fdt_path(&fdt, "/soc/clint");
	assert_true(last > 0);
	/* The root's name is "", so its first property starts at offset 8. */
	assert_int_equal(fdt32_ld(struct_block(&good) + 8), T_PROP);
	assert_int_equal(fdt32_ld(struct_block(&good) + ssize - 4), T_END);
	assert_int_equal(fdt32_ld(struct_block(&good) + ssize - 8), T_END_NODE);

	const struct {
		uint32_t off, value;
		int expect;
	} cases[] = {
	    {8 + 8, hdr(&good, H_SIZE_STRINGS), -FDT_ERR_BADSTRINGOFFSET},
	    {8 + 8, 0xffffffff, -FDT_ERR_BADSTRINGOFFSET},
	    {8 + 4, 0x7ffffff0, -FDT_ERR_BADPROP},
	    {8 + 4, ssize - 20 + 1, -FDT_ERR_BADPROP},
	    {ssize - 8, T_NOP, -FDT_ERR_UNBALANCED},      /* root BEGIN_NODE without END */
	    {ssize - 4, T_END_NODE, -FDT_ERR_UNBALANCED}, /* one END_NODE too many */
	    {ssize - 4, T_NOP, -FDT_ERR_NOEND},
	    {ssize - 4, 5, -FDT_ERR_BADTOKEN},
	    {ssize - 4, 0, -FDT_ERR_BADTOKEN},
	    {0, T_PROP, -FDT_ERR_BADROOT}, /* a zero-length property before the root */
	    {0, T_END_NODE, -FDT_ERR_UNBALANCED},
	    {0, T_END, -FDT_ERR_BADROOT},
	    {(uint32_t)last, T_END_NODE, -FDT_ERR_BADTOKEN}, /* name bytes become tokens */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc;

		c = copy(&good, good.size);
		put32(struct_block(&c) + cases[i].off, cases[i].value);
		rc = fdt_check(c.data, c.size);
		if (rc != cases[i].expect)
			fail_msg("case %zu: got %s, want %s", i, fdt_strerror(rc),
			         fdt_strerror(cases[i].expect));
		free(c.data);
	}

	/* A node name running to the end of the block. */
	c = copy(&good, good.size);
	memset(struct_block(&c) + last + 4, 'a', ssize - (uint32_t)last - 4);
	assert_int_equal(fdt_check(c.data, c.size), -FDT_ERR_BADNAME);
	free(c.data);

	/* The last property name in the strings block loses its NUL. */
	c = copy(&good, good.size);
	c.data[hdr(&c, H_STRINGS) + hdr(&c, H_SIZE_STRINGS) - 1] = 'x';
	assert_int_equal(fdt_check(c.data, c.size), -FDT_ERR_BADSTRING);
	free(c.data);
	free(good.data);
}

/* ---- blobs built token by token ------------------------------------------------ */

struct builder {
	uint8_t st[4096];
	uint32_t n;
	char strings[512];
	uint32_t sn;
};

static void emit(struct builder *b, uint32_t v)
{
	put32(b->st + b->n, v);
	b->n += 4;
}

static void begin(struct builder *b, const char *name)
{
	emit(b, T_BEGIN);
	strcpy((char *)b->st + b->n, name);
	b->n += ALIGN_UP((uint32_t)strlen(name) + 1, 4);
}

static void prop(struct builder *b, const char *name, const void *val, uint32_t len)
{
	emit(b, T_PROP);
	emit(b, len);
	emit(b, b->sn);
	strcpy(b->strings + b->sn, name);
	b->sn += (uint32_t)strlen(name) + 1;
	memcpy(b->st + b->n, val, len);
	b->n += ALIGN_UP(len, 4);
}

static void prop_cells(struct builder *b, const char *name, int count, ...)
{
	uint8_t v[64];
	va_list ap;

	va_start(ap, count);
	for (int i = 0; i < count; i++)
		put32(v + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	prop(b, name, v, 4 * (uint32_t)count);
}

static struct blob finish(struct builder *b)
{
	const uint32_t off_struct = 40 + 16;
	struct blob out;

	emit(b, T_END);
	out.size = off_struct + b->n + b->sn;
	out.data = calloc(1, out.size);
	assert_non_null(out.data);
	put32(out.data + H_MAGIC, FDT_MAGIC);
	put32(out.data + H_TOTAL, (uint32_t)out.size);
	put32(out.data + H_STRUCT, off_struct);
	put32(out.data + H_STRINGS, off_struct + b->n);
	put32(out.data + H_RSVMAP, 40);
	put32(out.data + H_VERSION, 17);
	put32(out.data + H_LASTCOMP, 16);
	put32(out.data + H_SIZE_STRINGS, b->sn);
	put32(out.data + H_SIZE_STRUCT, b->n);
	memcpy(out.data + off_struct, b->st, b->n);
	memcpy(out.data + off_struct + b->n, b->strings, b->sn);
	return out;
}

static int check_built(struct builder *b)
{
	struct blob out = finish(b);
	int rc = fdt_check(out.data, out.size);

	free(out.data);
	return rc;
}

static void built_blobs(void **state)
{
	struct builder b;
	struct blob out;
	struct fdt fdt;
	struct fdt_range r[2];
	size_t n;
	int depth;

	(void)state;
	memset(&b, 0, sizeof(b));
	begin(&b, "");
	emit(&b, T_END_NODE);
	assert_int_equal(check_built(&b), 0);

	memset(&b, 0, sizeof(b)); /* two roots */
	begin(&b, "");
	emit(&b, T_END_NODE);
	begin(&b, "");
	emit(&b, T_END_NODE);
	assert_int_equal(check_built(&b), -FDT_ERR_BADROOT);

	memset(&b, 0, sizeof(b)); /* a property outside every node */
	prop_cells(&b, "x", 1, 1);
	begin(&b, "");
	emit(&b, T_END_NODE);
	assert_int_equal(check_built(&b), -FDT_ERR_BADROOT);

	memset(&b, 0, sizeof(b)); /* no root at all */
	emit(&b, T_NOP);
	assert_int_equal(check_built(&b), -FDT_ERR_BADROOT);

	for (int levels = CONFIG_FDT_MAX_DEPTH; levels <= CONFIG_FDT_MAX_DEPTH + 1; levels++) {
		memset(&b, 0, sizeof(b));
		for (int i = 0; i < levels; i++)
			begin(&b, i ? "n" : "");
		for (int i = 0; i < levels; i++)
			emit(&b, T_END_NODE);
		assert_int_equal(check_built(&b),
		                 levels > CONFIG_FDT_MAX_DEPTH ? -FDT_ERR_TOODEEP : 0);
	}

	/*
	 * NOPs anywhere, a property after a subnode, a "reg" of the wrong length
	 * and one that wraps around: the blob is well-formed, the queries object.
	 */
	memset(&b, 0, sizeof(b));
	emit(&b, T_NOP);
	begin(&b, "");
	emit(&b, T_NOP);
	begin(&b, "memory@0");
	prop(&b, "device_type", "memory", 7);
	prop(&b, "reg", "\0\0\0\0\1", 5);
	emit(&b, T_END_NODE);
	emit(&b, T_NOP);
	prop_cells(&b, "late", 1, 42);
	begin(&b, "memory@1");
	prop(&b, "device_type", "memory", 7);
	prop_cells(&b, "reg", 3, 0xffffffff, 0xffff0000, 0x20000);
	emit(&b, T_END_NODE);
	emit(&b, T_END_NODE);
	emit(&b, T_NOP);
	out = finish(&b);
	assert_int_equal(fdt_init(&fdt, out.data, out.size), 0);
	uint32_t late;
	assert_int_equal(fdt_prop_u32(&fdt, fdt_root(&fdt), "late", &late), 0);
	assert_int_equal(late, 42);
	assert_int_equal(fdt_reg_count(&fdt, fdt_path(&fdt, "/memory@0")), -FDT_ERR_BADREG);
	assert_int_equal(fdt_memory_banks(&fdt, r, 2, &n), -FDT_ERR_BADREG);
	assert_int_equal(fdt_reg_count(&fdt, fdt_path(&fdt, "/memory@1")), 1);
	assert_int_equal(fdt_reg(&fdt, fdt_path(&fdt, "/memory@1"), 0, &r[0]), -FDT_ERR_BADREG);
	assert_int_equal(fdt_next_node(&fdt, fdt_path(&fdt, "/memory@1"), &depth),
	                 -FDT_ERR_NOTFOUND);

	/* The reader makes no alignment assumption about the blob's address. */
	uint8_t *shifted = malloc(out.size + 1);
	memcpy(shifted + 1, out.data, out.size);
	assert_int_equal(fdt_init(&fdt, shifted + 1, out.size), 0);
	assert_int_equal(fdt_prop_u32(&fdt, fdt_root(&fdt), "late", &late), 0);
	free(shifted);
	free(out.data);
}

/* ---- random mutation ------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Run every query over an accepted blob; ASan/UBSan are the assertions here. */
static void exercise(const struct fdt *fdt)
{
	struct fdt_range r[8];
	int depth, node, visited = 0;
	size_t n;
	uint32_t len, v;

	for (node = fdt_next_node(fdt, -1, &depth); node >= 0 && visited < 200;
	     node = fdt_next_node(fdt, node, &depth), visited++) {
		assert_non_null(fdt_node_name(fdt, node));
		(void)fdt_prop(fdt, node, "reg", &len, NULL);
		(void)fdt_prop_u32(fdt, node, "#address-cells", &v);
		(void)fdt_node_is_compatible(fdt, node, "ns16550a");
		(void)fdt_reg_count(fdt, node);
		(void)fdt_reg(fdt, node, 0, &r[0]);
		(void)fdt_parent(fdt, node);
		(void)fdt_first_child(fdt, node);
		(void)fdt_next_sibling(fdt, node);
	}
	(void)fdt_memory_banks(fdt, r, ARRAY_SIZE(r), &n);
	(void)fdt_reservations(fdt, r, ARRAY_SIZE(r), &n);
	(void)fdt_path(fdt, "/soc/serial@10010000");
	(void)fdt_find_compatible(fdt, -1, "sifive,uart0");
}

static void random_mutations(void **state)
{
	static const char *const names[] = {"qemu-virt.dtb", "two-banks.dtb", "cells.dtb"};
	int accepted = 0, rejected = 0;

	(void)state;
	alarm(60);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct blob good = load(names[i]);

		for (int round = 0; round < 8000; round++) {
			struct blob c = copy(&good, good.size);
			int flips = 1 + (int)(next_rand() % 4);
			struct fdt fdt;

			for (int f = 0; f < flips; f++) {
				uint32_t at = next_rand() % (uint32_t)c.size;

				/* Mostly small values in token-sized words, sometimes any byte. */
				if (next_rand() % 2)
					put32(c.data + (at & ~3u) % (c.size - 3), next_rand() % 16);
				else
					c.data[at] = (uint8_t)next_rand();
			}
			if (fdt_init(&fdt, c.data, c.size) == 0) {
				accepted++;
				exercise(&fdt);
			} else {
				rejected++;
			}
			free(c.data);
		}
		free(good.data);
	}
	alarm(0);
	/* Both outcomes must be common, or the mutation tests nothing. */
	assert_true(accepted > 1000);
	assert_true(rejected > 1000);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(truncated_at_every_length),
	    cmocka_unit_test(header_fields),
	    cmocka_unit_test(reservation_block),
	    cmocka_unit_test(structure_tokens),
	    cmocka_unit_test(built_blobs),
	    cmocka_unit_test(random_mutations),
	};

	if (argc > 1)
		blob_dir = argv[1];
	return cmocka_run_group_tests_name("fdt_corrupt", tests, NULL, NULL);
}
