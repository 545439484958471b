// SPDX-License-Identifier: MIT
/* Hart discovery from /cpus: which harts SMP bring-up starts, and why the others are skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/fdt_cpus.h>

#include "fdt_blob.h"

#define MAX_NODES 16

struct scan {
	struct blob blob;
	struct fdt fdt;
	struct fdt_hart harts[MAX_NODES];
	size_t count;
	int rc;
};

static struct scan *scan(const char *name, uint64_t boot, size_t max_usable, size_t max)
{
	struct scan *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->blob = load(name);
	assert_int_equal(fdt_init(&s->fdt, s->blob.data, s->blob.size), 0);
	s->rc = fdt_harts(&s->fdt, boot, max_usable, s->harts, max, &s->count);
	return s;
}

static void release(struct scan *s)
{
	free(s->blob.data);
	free(s);
}

static size_t usable(const struct scan *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->count; i++)
		n += s->harts[i].verdict == FDT_HART_USABLE;
	return n;
}

static void expect(const struct scan *s, size_t i, uint64_t id, enum fdt_hart_verdict v)
{
	assert_true(i < s->count);
	if (s->harts[i].verdict != v)
		fail_msg("node %zu (hart %llu): verdict '%s', expected '%s'", i,
		         (unsigned long long)s->harts[i].hartid,
		         fdt_hart_verdict_name(s->harts[i].verdict), fdt_hart_verdict_name(v));
	if (v != FDT_HART_BAD_REG)
		assert_int_equal(s->harts[i].hartid, id);
}

static void single_hart_virt(void **state)
{
	struct scan *s = scan("qemu-virt.dtb", 0, 8, MAX_NODES);

	(void)state;
	assert_int_equal(s->rc, 0);
	assert_int_equal(s->count, 1);
	expect(s, 0, 0, FDT_HART_USABLE);
	assert_true(s->harts[0].is_boot);
	assert_string_equal(s->harts[0].mmu_type, "riscv,sv48");
	assert_int_equal(fdt_timebase_frequency(&s->fdt), 10000000);
	release(s);
}

/* The E51 at hart 0 has no MMU; the four U54s all run the kernel. */
static void sifive_u_skips_the_monitor_core(void **state)
{
	struct scan *s = scan("cpus-sifive-u.dtb", 1, 8, MAX_NODES);

	(void)state;
	assert_int_equal(s->rc, 0);
	assert_int_equal(s->count, 5);
	expect(s, 0, 0, FDT_HART_NO_MMU);
	for (size_t i = 1; i < 5; i++)
		expect(s, i, i, FDT_HART_USABLE);
	assert_true(s->harts[1].is_boot);
	assert_false(s->harts[2].is_boot);
	assert_int_equal(fdt_timebase_frequency(&s->fdt), 1000000);
	release(s);
}

/* The boot hart takes the first slot of the limit even when another usable hart comes first. */
static void limit_counts_the_boot_hart_first(void **state)
{
	struct scan *s = scan("cpus-sifive-u.dtb", 3, 2, MAX_NODES);

	(void)state;
	assert_int_equal(s->rc, 0);
	expect(s, 1, 1, FDT_HART_USABLE);
	expect(s, 2, 2, FDT_HART_OVER_LIMIT);
	expect(s, 3, 3, FDT_HART_USABLE);
	expect(s, 4, 4, FDT_HART_OVER_LIMIT);
	assert_true(s->harts[3].is_boot);
	assert_int_equal(usable(s), 2);
	release(s);
}

static void every_skip_reason(void **state)
{
	struct scan *s = scan("cpus-mixed.dtb", 7, 3, MAX_NODES);

	(void)state;
	assert_int_equal(s->rc, 0);
	/* cpu-map is not a cpu: ten cpu nodes. */
	assert_int_equal(s->count, 10);
	expect(s, 0, 0, FDT_HART_DISABLED);
	expect(s, 1, 1, FDT_HART_SMALL_MMU);
	expect(s, 2, 2, FDT_HART_NO_MMU);
	expect(s, 3, 3, FDT_HART_ISA_DIFFERS);
	expect(s, 4, 7, FDT_HART_USABLE);
	assert_true(s->harts[4].is_boot);
	expect(s, 5, 5, FDT_HART_USABLE); /* status "ok", Sv57 */
	expect(s, 6, 0, FDT_HART_BAD_REG);
	expect(s, 7, 5, FDT_HART_DUPLICATE);
	expect(s, 8, 9, FDT_HART_USABLE);
	expect(s, 9, 10, FDT_HART_OVER_LIMIT);
	assert_int_equal(usable(s), 3);
	release(s);
}

static void missing_boot_hart_is_reported(void **state)
{
	struct scan *s = scan("cpus-sifive-u.dtb", 42, 8, MAX_NODES);

	(void)state;
	assert_int_equal(s->rc, -FDT_ERR_NOTFOUND);
	assert_int_equal(s->count, 5);
	release(s);
}

static void no_cpus_node(void **state)
{
	struct scan *s = scan("cells.dtb", 0, 8, MAX_NODES);

	(void)state;
	assert_int_equal(s->rc, -FDT_ERR_NOTFOUND);
	assert_int_equal(s->count, 0);
	assert_int_equal(fdt_timebase_frequency(&s->fdt), 0);
	release(s);
}

static void output_array_too_small(void **state)
{
	struct scan *s = scan("cpus-sifive-u.dtb", 1, 8, 3);

	(void)state;
	assert_int_equal(s->rc, -FDT_ERR_NOSPACE);
	assert_int_equal(s->count, 3);
	expect(s, 1, 1, FDT_HART_USABLE);
	release(s);
}

static void verdict_names_are_distinct(void **state)
{
	(void)state;
	for (int a = FDT_HART_USABLE; a <= FDT_HART_OVER_LIMIT; a++) {
		assert_string_not_equal(fdt_hart_verdict_name(a), "?");
		for (int b = a + 1; b <= FDT_HART_OVER_LIMIT; b++)
			assert_string_not_equal(fdt_hart_verdict_name(a), fdt_hart_verdict_name(b));
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(single_hart_virt),
	    cmocka_unit_test(sifive_u_skips_the_monitor_core),
	    cmocka_unit_test(limit_counts_the_boot_hart_first),
	    cmocka_unit_test(every_skip_reason),
	    cmocka_unit_test(missing_boot_hart_is_reported),
	    cmocka_unit_test(no_cpus_node),
	    cmocka_unit_test(output_array_too_small),
	    cmocka_unit_test(verdict_names_are_distinct),
	};

	if (argc > 1)
		blob_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
