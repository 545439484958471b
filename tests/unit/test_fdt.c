// SPDX-License-Identifier: MIT
/*
 * FDT reader tests over good trees built by dtc (see fdt.mk); the bad ones
 * are in test_fdt_corrupt.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/fdt.h>
#include <bora/physmem.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#include "fdt_blob.h"

static struct fdt open_blob(const struct blob *b)
{
	struct fdt fdt;

	assert_int_equal(fdt_init(&fdt, b->data, b->size), 0);
	return fdt;
}

static int path(const struct fdt *fdt, const char *p)
{
	int node = fdt_path(fdt, p);

	if (node < 0)
		fail_msg("%s: %s", p, fdt_strerror(node));
	return node;
}

static void assert_range(const struct fdt_range *r, uint64_t base, uint64_t size)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->size, size);
}

static void qemu_virt_checks(const struct fdt *fdt)
{
	struct fdt_range r[4];
	size_t n;
	int serial, soc, node, depth, count = 0;

	assert_string_equal(fdt_node_name(fdt, fdt_root(fdt)), "");
	assert_int_equal(fdt_path(fdt, "/"), fdt_root(fdt));

	/* Every node in document order, with its depth. */
	static const char *const names[] = {"",
	                                    "chosen",
	                                    "memory@80000000",
	                                    "cpus",
	                                    "cpu@0",
	                                    "interrupt-controller",
	                                    "soc",
	                                    "serial@10000000",
	                                    "test@100000",
	                                    "plic@c000000",
	                                    "clint@2000000"};
	static const int depths[] = {0, 1, 1, 1, 2, 3, 1, 2, 2, 2, 2};
	for (node = fdt_next_node(fdt, -1, &depth); node >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		assert_true(count < (int)ARRAY_SIZE(names));
		assert_string_equal(fdt_node_name(fdt, node), names[count]);
		assert_int_equal(depth, depths[count]);
		count++;
	}
	assert_int_equal(node, -FDT_ERR_NOTFOUND);
	assert_int_equal(count, ARRAY_SIZE(names));

	/* The console, found three ways. */
	serial = path(fdt, "/soc/serial@10000000");
	assert_int_equal(path(fdt, "/soc/serial"), serial);
	assert_int_equal(path(fdt, "//soc//serial@10000000/"), serial);
	assert_int_equal(fdt_find_compatible(fdt, -1, "ns16550a"), serial);
	assert_int_equal(fdt_find_compatible(fdt, serial, "ns16550a"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_find_compatible(fdt, -1, "sifive,uart0"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_reg_count(fdt, serial), 1);
	assert_int_equal(fdt_reg(fdt, serial, 0, &r[0]), 0);
	assert_range(&r[0], 0x10000000, 0x100);
	assert_int_equal(fdt_reg(fdt, serial, 1, &r[0]), -FDT_ERR_NOTFOUND);

	soc = path(fdt, "/soc");
	assert_int_equal(fdt_parent(fdt, serial), soc);
	assert_int_equal(fdt_parent(fdt, soc), fdt_root(fdt));
	assert_int_equal(fdt_parent(fdt, fdt_root(fdt)), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_first_child(fdt, serial), -FDT_ERR_NOTFOUND);
	node = fdt_first_child(fdt, soc);
	assert_int_equal(node, serial);
	node = fdt_next_sibling(fdt, node);
	assert_string_equal(fdt_node_name(fdt, node), "test@100000");
	node = fdt_next_sibling(fdt, fdt_next_sibling(fdt, node));
	assert_string_equal(fdt_node_name(fdt, node), "clint@2000000");
	assert_int_equal(fdt_next_sibling(fdt, node), -FDT_ERR_NOTFOUND);

	/* Stringlists match whole entries only. */
	node = path(fdt, "/soc/test");
	assert_true(fdt_node_is_compatible(fdt, node, "sifive,test0"));
	assert_true(fdt_node_is_compatible(fdt, node, "syscon"));
	assert_false(fdt_node_is_compatible(fdt, node, "sifive,test"));
	assert_false(fdt_node_is_compatible(fdt, node, "syscon2"));

	uint32_t len, v;
	int err;
	const char *stdout_path = fdt_prop(fdt, path(fdt, "/chosen"), "stdout-path", &len, &err);
	assert_non_null(stdout_path);
	assert_int_equal(err, 0);
	assert_int_equal(len, sizeof("/soc/serial@10000000"));
	assert_string_equal(stdout_path, "/soc/serial@10000000");
	assert_int_equal(path(fdt, stdout_path), serial);

	/* Cells: /cpus declares 1 and 0, the PLIC's 0 address cells are not supported. */
	node = path(fdt, "/cpus");
	assert_int_equal(fdt_address_cells(fdt, node), 1);
	assert_int_equal(fdt_size_cells(fdt, node), 0);
	assert_int_equal(fdt_prop_u32(fdt, node, "timebase-frequency", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(fdt_reg(fdt, path(fdt, "/cpus/cpu@0"), 0, &r[0]), 0);
	assert_range(&r[0], 0, 0);
	assert_int_equal(fdt_address_cells(fdt, path(fdt, "/soc/plic")), -FDT_ERR_BADCELLS);
	assert_int_equal(fdt_prop_u32(fdt, node, "nonexistent", &v), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_prop_u32(fdt, path(fdt, "/cpus/cpu@0"), "mmu-type", &v),
	                 -FDT_ERR_BADPROP);
	assert_null(fdt_prop(fdt, node, "cpu@0", &len, &err)); /* a child, not a property */
	assert_int_equal(err, -FDT_ERR_NOTFOUND);

	assert_int_equal(fdt_path(fdt, "/nonexistent"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path(fdt, "/soc/serial@10000001"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path(fdt, "/soc/seria"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path(fdt, "soc"), -FDT_ERR_BADARG);
	assert_null(fdt_node_name(fdt, 1)); /* not a token boundary */
	assert_int_equal(fdt_parent(fdt, 3), -FDT_ERR_BADARG);

	assert_int_equal(fdt_memory_banks(fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 1);
	assert_range(&r[0], 0x80000000, 128 * MiB);
}

static void qemu_virt_tree(void **state)
{
	struct blob b = load("qemu-virt.dtb");
	struct fdt fdt = open_blob(&b);
	struct fdt_range r[4];
	size_t n;

	(void)state;
	assert_int_equal(fdt.version, 17);
	assert_int_equal(fdt.totalsize, b.size);
	qemu_virt_checks(&fdt);
	assert_int_equal(fdt_reservations(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 0);
	free(b.data);
}

static void version_16_layout(void **state)
{
	struct blob b = load("qemu-virt-v16.dtb");
	struct fdt fdt = open_blob(&b);

	(void)state;
	assert_int_equal(fdt.version, 16);
	qemu_virt_checks(&fdt);
	free(b.data);
}

/* What kernel init will do: DTB memory map plus firmware, image and blob. */
static void opensbi_virt_to_physmem(void **state)
{
	struct blob b = load("opensbi-virt.dtb");
	struct fdt fdt = open_blob(&b);
	struct fdt_range r[8];
	struct physmem pm;
	size_t n;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(fdt_memory_banks(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(physmem_add_bank(&pm, r[i].base, r[i].size), 0);
	assert_int_equal(fdt_reservations(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 1);
	assert_range(&r[0], 0x80000000, 0x80000);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(physmem_reserve(&pm, r[i].base, r[i].size), 0);
	assert_int_equal(physmem_reserve(&pm, 0x80000000, 0x200000), 0);
	assert_int_equal(physmem_reserve(&pm, 0x80200000, 0x31000), 0);
	assert_int_equal(physmem_reserve(&pm, 0x87e00000, fdt.totalsize), 0);
	assert_int_equal(physmem_build(&pm, 0x80000000 + GiB), 0);
	assert_int_equal(physmem_validate(&pm), 0);
	assert_int_equal(pm.nr_free, 2);
	assert_int_equal(pm.free[0].base, 0x80231000);
	assert_int_equal(pm.free[1].base + pm.free[1].size, 0x88000000);
	free(b.data);
}

static void two_banks_and_reservations(void **state)
{
	struct blob b = load("two-banks.dtb");
	struct fdt fdt = open_blob(&b);
	struct fdt_range r[8];
	struct physmem pm;
	size_t n;
	int uart;

	(void)state;
	assert_int_equal(fdt_memory_banks(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 3); /* memory-controller@2000000 is not RAM */
	assert_range(&r[0], 0x80000000, GiB);
	assert_range(&r[1], 0x100000000, 2 * GiB);
	assert_range(&r[2], 0x200000000, GiB);
	assert_int_equal(fdt_memory_banks(&fdt, r, 2, &n), -FDT_ERR_NOSPACE);
	assert_int_equal(n, 2);
	assert_range(&r[1], 0x100000000, 2 * GiB);

	assert_int_equal(fdt_reservations(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 4); /* the size-only dma-pool is not reserved */
	assert_range(&r[0], 0x80000000, 0x200000);
	assert_range(&r[1], 0xbfe00000, 0x10000);
	assert_range(&r[2], 0xa0000000, 0x800000);
	assert_range(&r[3], 0x140000000, 0x100000);
	assert_int_equal(fdt_reservations(&fdt, r, 1, &n), -FDT_ERR_NOSPACE);
	assert_int_equal(n, 1);

	uart = fdt_find_compatible(&fdt, -1, "sifive,uart0");
	assert_int_equal(uart, path(&fdt, "/soc@10010000/serial@10010000"));
	assert_int_equal(fdt_reg(&fdt, uart, 0, &r[0]), 0);
	assert_range(&r[0], 0x10010000, 0x1000);

	physmem_init(&pm);
	assert_int_equal(fdt_memory_banks(&fdt, r, ARRAY_SIZE(r), &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(physmem_add_bank(&pm, r[i].base, r[i].size), 0);
	assert_int_equal(fdt_reservations(&fdt, r, ARRAY_SIZE(r), &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(physmem_reserve(&pm, r[i].base, r[i].size), 0);
	assert_int_equal(physmem_build(&pm, 0x80000000 + GiB), 0);
	assert_int_equal(physmem_validate(&pm), 0);
	assert_int_equal(physmem_free_bytes(&pm), GiB - 0x200000 - 0x800000 - 0x10000);
	assert_int_equal(pm.clipped_bytes, 3 * GiB - 0x100000);
	free(b.data);
}

static void overlapping_banks(void **state)
{
	struct blob b = load("overlap.dtb");
	struct fdt fdt = open_blob(&b);
	struct fdt_range r[4];
	struct physmem pm;
	size_t n;

	(void)state;
	assert_int_equal(fdt_memory_banks(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 2);
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, r[0].base, r[0].size), 0);
	assert_int_equal(physmem_add_bank(&pm, r[1].base, r[1].size), -EOVERLAP);
	assert_int_equal(pm.conflict.base, 0x80000000);
	free(b.data);
}

static void cell_counts(void **state)
{
	struct blob b = load("cells.dtb");
	struct fdt fdt = open_blob(&b);
	struct fdt_range r[4];
	struct physmem pm;
	size_t n;
	int node;

	(void)state;
	assert_int_equal(fdt_memory_banks(&fdt, r, ARRAY_SIZE(r), &n), 0);
	assert_int_equal(n, 2);
	assert_range(&r[0], 0x80000000, 0x10000000);
	assert_range(&r[1], 0x90000000, 0x10000000);
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, r[0].base, r[0].size), 0);
	assert_int_equal(physmem_add_bank(&pm, r[1].base, r[1].size), 0);
	assert_int_equal(pm.nr_banks, 1);

	node = path(&fdt, "/defaults-bus/device@0");
	assert_int_equal(fdt_address_cells(&fdt, path(&fdt, "/defaults-bus")), 2);
	assert_int_equal(fdt_size_cells(&fdt, path(&fdt, "/defaults-bus")), 1);
	assert_int_equal(fdt_reg(&fdt, node, 0, &r[0]), 0);
	assert_range(&r[0], 0x100000000, 0x2000);
	node = path(&fdt, "/wide-bus/device@0");
	assert_int_equal(fdt_reg_count(&fdt, node), -FDT_ERR_BADCELLS);
	assert_int_equal(fdt_reg(&fdt, node, 0, &r[0]), -FDT_ERR_BADCELLS);
	node = path(&fdt, "/sizeless-bus/device@7");
	assert_int_equal(fdt_reg(&fdt, node, 0, &r[0]), 0);
	assert_range(&r[0], 7, 0);
	free(b.data);
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(fdt_strerror(0), "OK");
	assert_string_equal(fdt_strerror(-FDT_ERR_BADMAGIC), "FDT_ERR_BADMAGIC");
	assert_string_equal(fdt_strerror(FDT_ERR_NOTFOUND), "FDT_ERR_NOTFOUND");
	assert_string_equal(fdt_strerror(-FDT_ERR_BADARG), "FDT_ERR_BADARG");
	assert_string_equal(fdt_strerror(-EINVAL), "FDT_ERR_?");
	assert_string_equal(fdt_strerror(-(FDT_ERR_BADARG + 1)), "FDT_ERR_?");
	for (int a = FDT_ERR_NOTFOUND; a <= FDT_ERR_BADARG; a++) {
		assert_string_not_equal(fdt_strerror(-a), "FDT_ERR_?");
		for (int c = a + 1; c <= FDT_ERR_BADARG; c++)
			assert_string_not_equal(fdt_strerror(-a), fdt_strerror(-c));
	}
	assert_int_equal(fdt_check(NULL, 100), -FDT_ERR_BADARG);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(qemu_virt_tree),
	    cmocka_unit_test(version_16_layout),
	    cmocka_unit_test(opensbi_virt_to_physmem),
	    cmocka_unit_test(two_banks_and_reservations),
	    cmocka_unit_test(overlapping_banks),
	    cmocka_unit_test(cell_counts),
	    cmocka_unit_test(error_names),
	};

	if (argc > 1)
		blob_dir = argv[1];
	return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
