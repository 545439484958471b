// SPDX-License-Identifier: MIT
/* The generator's decisions: which boot-table leaves exist and which layouts are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "boot_layout.h"

static struct layout_input qemu_virt(void)
{
	return (struct layout_input){
	    .ram_base = 0x80000000,
	    .ram_size = 128 << 20,
	    .firmware_size = 0x200000,
	    .load_addr = 0x80200000,
	    .virt_offset = 0xffffffc000000000ULL,
	    .heap_size = 0x20000,
	    .stack_size = 0x4000,
	    .has_uart = true,
	    .uart_base = 0x10000000,
	    .has_finisher = true,
	    .finisher_base = 0x100000,
	};
}

static const struct boot_leaf *leaf_at(const struct layout *l, unsigned index)
{
	for (unsigned i = 0; i < l->nleaves; i++)
		if (l->leaves[i].index == index)
			return &l->leaves[i];
	return NULL;
}

static void qemu_virt_table_matches_the_seed(void **state)
{
	struct layout_input in = qemu_virt();
	struct layout l;
	char err[256] = "";
	const struct boot_leaf *id, *hi, *mmio;

	(void)state;
	assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), 0);
	/* Seed 000: identity at index 2 and alias at 0x102, both PPN 0x80000. */
	id = leaf_at(&l, 2);
	hi = leaf_at(&l, 0x102);
	mmio = leaf_at(&l, 0x100);
	assert_non_null(id);
	assert_non_null(hi);
	assert_non_null(mmio);
	assert_int_equal(l.nleaves, 3); /* UART and finisher share gigapage 0 */
	assert_int_equal(id->pte >> PTE_PPN_SHIFT, 0x80000);
	assert_int_equal(hi->pte >> PTE_PPN_SHIFT, 0x80000);
	assert_int_equal(id->pte & 0xff, PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D);
	assert_int_equal(mmio->pte & 0xff, PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D);
	assert_int_equal(mmio->pte >> PTE_PPN_SHIFT, 0);
	assert_int_equal(l.mapped_ram_end, 0x88000000);
	assert_int_equal(l.image_limit, 0x88000000 - (2 << 20));
	for (unsigned i = 1; i < l.nleaves; i++)
		assert_true(l.leaves[i - 1].index < l.leaves[i].index);
}

static void large_ram_maps_only_the_first_gigapage(void **state)
{
	struct layout_input in = qemu_virt();
	struct layout l;
	char err[256];

	(void)state;
	in.ram_size = 16ULL << 30;
	assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), 0);
	assert_int_equal(l.mapped_ram_end, 0xC0000000);
	/* The DTB lands below 3 GiB, so the image must stay below it too. */
	assert_int_equal(l.image_limit, 0xC0000000 - (2 << 20));
}

static void uart_in_another_gigapage_gets_its_own_leaf(void **state)
{
	struct layout_input in = qemu_virt();
	struct layout l;
	char err[256];

	(void)state;
	in.uart_base = 0x40001000;
	in.has_finisher = false;
	assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), 0);
	assert_non_null(leaf_at(&l, 0x101));
	assert_null(leaf_at(&l, 0x100));
	assert_int_equal(leaf_at(&l, 0x101)->pte >> PTE_PPN_SHIFT, 0x40000);
}

static void sbi_console_board_has_no_mmio_leaf(void **state)
{
	struct layout_input in = qemu_virt();
	struct layout l;
	char err[256];

	(void)state;
	in.has_uart = false;
	in.has_finisher = false;
	assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), 0);
	assert_int_equal(l.nleaves, 2);
}

#define EXPECT_REFUSED(field, value, needle)                                                       \
	do {                                                                                       \
		struct layout_input in = qemu_virt();                                              \
		struct layout l;                                                                   \
		char err[512] = "";                                                                \
		in.field = (value);                                                                \
		assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), -1);                   \
		if (!strstr(err, needle))                                                          \
			fail_msg("'%s' does not mention '%s'", err, needle);                       \
	} while (0)

static void impossible_layouts_are_refused_with_the_symbol_named(void **state)
{
	(void)state;
	EXPECT_REFUSED(ram_base, 0x80200000, "CONFIG_RAM_BASE=0x80200000 is not 1 GiB-aligned");
	EXPECT_REFUSED(load_addr, 0x70000000, "CONFIG_KERNEL_LOAD_ADDR=0x70000000 is outside RAM");
	EXPECT_REFUSED(load_addr, 0x90000000, "outside RAM");
	EXPECT_REFUSED(load_addr, 0x80100000, "overlaps the firmware region");
	EXPECT_REFUSED(load_addr, 0x80200800, "not 4 KiB-aligned");
	EXPECT_REFUSED(heap_size, 0x20001, "CONFIG_HEAP_SIZE=0x20001 is not a non-zero multiple");
	EXPECT_REFUSED(heap_size, 0, "CONFIG_HEAP_SIZE=0x0");
	EXPECT_REFUSED(heap_size, 256 << 20, "does not fit");
	EXPECT_REFUSED(heap_size, 0xfffffffffffff000ULL, "does not fit");
	EXPECT_REFUSED(stack_size, 0x1800, "CONFIG_BOOT_STACK_SIZE");
	EXPECT_REFUSED(ram_size, 0x1001, "CONFIG_RAM_SIZE");
	EXPECT_REFUSED(virt_offset, 0xffffffc000001000ULL, "CONFIG_KERNEL_VIRT_OFFSET");
	EXPECT_REFUSED(virt_offset, 0x0000004000000000ULL, "not a canonical upper-half");
}

static void heap_filling_the_gigapage_is_refused_but_just_fitting_is_not(void **state)
{
	struct layout_input in = qemu_virt();
	struct layout l;
	char err[256];

	(void)state;
	in.ram_size = 1ULL << 30;
	/* image_limit = 0xbfe00000; load 0x80200000; guard + stack + heap must fit. */
	in.heap_size = 0xbfe00000 - 0x80200000 - 0x4000 - 0x1000;
	assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), 0);
	in.heap_size += 0x1000;
	assert_int_equal(layout_compute(&in, &l, err, sizeof(err)), -1);
}

static void canonical_addresses(void **state)
{
	(void)state;
	assert_true(sv39_va_canonical(0x3fffffffffULL));
	assert_true(sv39_va_canonical(0xffffffc000000000ULL));
	assert_false(sv39_va_canonical(0x4000000000ULL));
	assert_false(sv39_va_canonical(0xffffff8000000000ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(qemu_virt_table_matches_the_seed),
	    cmocka_unit_test(large_ram_maps_only_the_first_gigapage),
	    cmocka_unit_test(uart_in_another_gigapage_gets_its_own_leaf),
	    cmocka_unit_test(sbi_console_board_has_no_mmio_leaf),
	    cmocka_unit_test(impossible_layouts_are_refused_with_the_symbol_named),
	    cmocka_unit_test(heap_filling_the_gigapage_is_refused_but_just_fitting_is_not),
	    cmocka_unit_test(canonical_addresses),
	};
	return cmocka_run_group_tests_name("boot_layout", tests, NULL, NULL);
}
