// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/physmem.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static void assert_range(const struct phys_range *r, uint64_t base, uint64_t end)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->base + r->size, end);
}

static void assert_valid(const struct physmem *pm)
{
	assert_int_equal(physmem_validate(pm), 0);
}

/* The layout the kernel sees on qemu_virt with 128 MiB. */
static void qemu_virt_layout(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, 128 * MiB), 0);
	assert_int_equal(physmem_reserve(&pm, 0x80000000, 0x200000), 0); /* OpenSBI */
	assert_int_equal(physmem_reserve(&pm, 0x80200000, 0x145678), 0); /* kernel image */
	assert_int_equal(physmem_reserve(&pm, 0x87e00000, 0x149e), 0);   /* DTB */
	assert_int_equal(physmem_reserve(&pm, 0x80000000, 0x80000), 0);  /* DTB's mmode_resv0 */
	assert_int_equal(pm.nr_reserved, 2); /* firmware and kernel touch: merged */
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 2);
	assert_range(&pm.free[0], 0x80346000, 0x87e00000);
	assert_range(&pm.free[1], 0x87e02000, 0x88000000);
	assert_int_equal(pm.clipped_bytes, 0);
	assert_int_equal(physmem_ram_bytes(&pm), 128 * MiB);
	assert_int_equal(physmem_free_bytes(&pm), (0x87e00000 - 0x80346000) + 0x1fe000);
}

static void adjacent_banks_merge(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x90000000, 0x10000000), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, 0x10000000), 0); /* below, touching */
	assert_int_equal(pm.nr_banks, 1);
	assert_range(&pm.banks[0], 0x80000000, 0xa0000000);
	assert_int_equal(physmem_add_bank(&pm, 0xb0000000, 0x10000000), 0);
	assert_int_equal(pm.nr_banks, 2);
	assert_int_equal(physmem_add_bank(&pm, 0xa0000000, 0x10000000), 0); /* fills the gap */
	assert_int_equal(pm.nr_banks, 1);
	assert_range(&pm.banks[0], 0x80000000, 0xc0000000);
	assert_int_equal(physmem_add_bank(&pm, 0xc0000000, 0x1000), 0); /* above, touching */
	assert_int_equal(pm.nr_banks, 1);
	assert_range(&pm.banks[0], 0x80000000, 0xc0001000);
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 1);
	assert_range(&pm.free[0], 0x80000000, 0xc0001000);
}

static void unsorted_banks_come_out_sorted(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x200000000, GiB), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, GiB), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x100000000, GiB), 0);
	assert_int_equal(pm.nr_banks, 3);
	assert_range(&pm.banks[0], 0x80000000, 0xc0000000);
	assert_range(&pm.banks[1], 0x100000000, 0x140000000);
	assert_range(&pm.banks[2], 0x200000000, 0x240000000);
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 3);
}

static void overlapping_banks_rejected(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, GiB), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x100000000, GiB), 0);
	/* Partial overlap at either end, containment, identity, spanning both. */
	assert_int_equal(physmem_add_bank(&pm, 0xa0000000, GiB), -EOVERLAP);
	assert_range(&pm.conflict, 0x80000000, 0xc0000000);
	assert_int_equal(physmem_add_bank(&pm, 0x70000000, 0x10001000), -EOVERLAP);
	assert_int_equal(physmem_add_bank(&pm, 0x90000000, 0x1000), -EOVERLAP);
	assert_int_equal(physmem_add_bank(&pm, 0x100000000, GiB), -EOVERLAP);
	assert_range(&pm.conflict, 0x100000000, 0x140000000);
	assert_int_equal(physmem_add_bank(&pm, 0x0, 0x200000000), -EOVERLAP);
	assert_int_equal(physmem_add_bank(&pm, 0x13ffff000, 0x2000), -EOVERLAP);
	assert_string_equal(errno_name(-EOVERLAP), "EOVERLAP");
	/* Nothing changed. */
	assert_int_equal(pm.nr_banks, 2);
	assert_range(&pm.banks[0], 0x80000000, 0xc0000000);
	assert_range(&pm.banks[1], 0x100000000, 0x140000000);
	assert_valid(&pm);
}

static void bad_ranges_rejected(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, 0), -EINVAL);
	assert_int_equal(physmem_add_bank(&pm, UINT64_MAX - 0xfff, 0x1000), -EINVAL);
	assert_int_equal(physmem_add_bank(&pm, 2, UINT64_MAX - 1), -EINVAL);
	assert_int_equal(physmem_reserve(&pm, 0x80000000, 0), -EINVAL);
	assert_int_equal(physmem_reserve(&pm, UINT64_MAX, 1), -EINVAL);
	assert_int_equal(pm.nr_banks, 0);
	assert_int_equal(pm.nr_reserved, 0);
	/* The largest representable range is accepted. */
	assert_int_equal(physmem_add_bank(&pm, 0x1000, UINT64_MAX - 0x1000), 0);
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 1);
	assert_range(&pm.free[0], 0x1000, ALIGN_DOWN(UINT64_MAX, PAGE_SIZE));
}

static void bank_table_full(void **state)
{
	struct physmem pm;
	uint64_t top = (uint64_t)CONFIG_PHYSMEM_MAX_BANKS * 2 * GiB;

	(void)state;
	physmem_init(&pm);
	for (int i = 0; i < CONFIG_PHYSMEM_MAX_BANKS; i++)
		assert_int_equal(physmem_add_bank(&pm, (uint64_t)i * 2 * GiB, GiB), 0);
	assert_int_equal(physmem_add_bank(&pm, top, GiB), -ENOMEM);
	assert_int_equal(pm.nr_banks, CONFIG_PHYSMEM_MAX_BANKS);
	/* A bank that only grows an existing one needs no slot. */
	assert_int_equal(physmem_add_bank(&pm, GiB, GiB), 0);
	assert_int_equal(pm.nr_banks, CONFIG_PHYSMEM_MAX_BANKS - 1);
	assert_int_equal(physmem_add_bank(&pm, top, GiB), 0);
	assert_valid(&pm);
}

static void reservations_merge(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_reserve(&pm, 0x5000, 0x1000), 0);
	assert_int_equal(physmem_reserve(&pm, 0x1000, 0x1000), 0);
	assert_int_equal(physmem_reserve(&pm, 0x9000, 0x1000), 0);
	assert_int_equal(pm.nr_reserved, 3);
	assert_int_equal(physmem_reserve(&pm, 0x5800, 0x100), 0); /* contained */
	assert_int_equal(pm.nr_reserved, 3);
	assert_int_equal(physmem_reserve(&pm, 0x2000, 0x800), 0); /* touches the first */
	assert_int_equal(pm.nr_reserved, 3);
	assert_range(&pm.reserved[0], 0x1000, 0x2800);
	assert_int_equal(physmem_reserve(&pm, 0x2000, 0x7800), 0); /* spans all three */
	assert_int_equal(pm.nr_reserved, 1);
	assert_range(&pm.reserved[0], 0x1000, 0xa000);
	assert_valid(&pm);
}

static void reservation_table_full(void **state)
{
	struct physmem pm;
	struct physmem before;

	(void)state;
	physmem_init(&pm);
	for (int i = 0; i < CONFIG_PHYSMEM_MAX_RESERVED; i++)
		assert_int_equal(physmem_reserve(&pm, 0x10000 * (uint64_t)i, 0x1000), 0);
	before = pm;
	assert_int_equal(physmem_reserve(&pm, 0x10000000, 0x1000), -ENOMEM);
	assert_memory_equal(&pm, &before, sizeof(pm));
	/* Merging into an existing one still works when full. */
	assert_int_equal(physmem_reserve(&pm, 0x800, 0x1000), 0);
	assert_int_equal(pm.nr_reserved, CONFIG_PHYSMEM_MAX_RESERVED);
	assert_range(&pm.reserved[0], 0, 0x1800);
}

static void reservations_outside_ram_and_whole_banks(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, 0x100000), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x90000000, 0x100000), 0);
	assert_int_equal(physmem_reserve(&pm, 0x10000000, 0x1000), 0);   /* MMIO, below RAM */
	assert_int_equal(physmem_reserve(&pm, 0x8ffff000, 0x200000), 0); /* all of bank 2 */
	assert_int_equal(physmem_reserve(&pm, 0x800ff000, 0x2000), 0);   /* straddles bank 1 end */
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 1);
	assert_range(&pm.free[0], 0x80000000, 0x800ff000);
}

static void free_ranges_shrink_to_pages(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000123, 0x3000), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x90000800, 0x1000), 0); /* no whole page */
	assert_int_equal(physmem_add_bank(&pm, 0xa0000000, 0x10000), 0);
	assert_int_equal(physmem_reserve(&pm, 0xa0004001, 1), 0); /* costs a whole page */
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 3);
	assert_range(&pm.free[0], 0x80001000, 0x80003000);
	assert_range(&pm.free[1], 0xa0000000, 0xa0004000);
	assert_range(&pm.free[2], 0xa0005000, 0xa0010000);
}

static void clip_at_limit(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, 2 * GiB), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x200000000, GiB), 0);
	assert_int_equal(physmem_reserve(&pm, 0x80000000, 0x200000), 0);
	assert_int_equal(physmem_reserve(&pm, 0xbff00000, 0x200000), 0); /* straddles the limit */
	/* The early stage maps 1 GiB from the RAM base. */
	assert_int_equal(physmem_build(&pm, 0xc0000000), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 1);
	assert_range(&pm.free[0], 0x80200000, 0xbff00000);
	assert_int_equal(pm.clipped_bytes, (0x100000000 - 0xc0100000) + GiB);
	/* An unaligned limit is rounded down to a page. */
	assert_int_equal(physmem_build(&pm, 0x80300fff), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 1);
	assert_range(&pm.free[0], 0x80200000, 0x80300000);
	/* A limit below all RAM leaves nothing and reports everything. */
	assert_int_equal(physmem_build(&pm, 0x1000), 0);
	assert_int_equal(pm.nr_free, 0);
	assert_int_equal(pm.clipped_bytes, 3 * GiB - 0x400000);
	/* No limit: rebuilding gives the full picture back. */
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);
	assert_int_equal(pm.nr_free, 3);
	assert_int_equal(pm.clipped_bytes, 0);
	assert_int_equal(physmem_free_bytes(&pm), 3 * GiB - 0x400000);
}

static void validate_catches_corruption(void **state)
{
	struct physmem pm;

	(void)state;
	physmem_init(&pm);
	assert_int_equal(physmem_add_bank(&pm, 0x80000000, GiB), 0);
	assert_int_equal(physmem_add_bank(&pm, 0x100000000, GiB), 0);
	assert_int_equal(physmem_reserve(&pm, 0x80000000, 0x200000), 0);
	assert_int_equal(physmem_build(&pm, PHYSMEM_NO_LIMIT), 0);
	assert_valid(&pm);

	struct physmem bad = pm;
	bad.banks[1].base = 0x90000000; /* overlaps bank 0 */
	assert_int_equal(physmem_validate(&bad), -ECORRUPT);
	bad = pm;
	bad.free[0].base -= 0x1000; /* into the reservation */
	bad.free[0].size += 0x1000;
	assert_int_equal(physmem_validate(&bad), -ECORRUPT);
	bad = pm;
	bad.free[1].size += 0x10; /* unaligned, past the bank */
	assert_int_equal(physmem_validate(&bad), -ECORRUPT);
	bad = pm;
	bad.nr_free = PHYSMEM_MAX_FREE + 1;
	assert_int_equal(physmem_validate(&bad), -ECORRUPT);
}

/*
 * Model check: random banks and reservations in a 1 MiB window at 256-byte
 * granularity; a page must come out free exactly when every byte of it is RAM,
 * none is reserved, and it lies below the limit.
 */
#define UNIT       256
#define UNITS      4096
#define PAGE_UNITS (PAGE_SIZE / UNIT)

static void random_against_model(void **state)
{
	static uint8_t ram[UNITS], rsv[UNITS];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct physmem pm;
		uint64_t limit_unit = UNITS;

		physmem_init(&pm);
		memset(ram, 0, sizeof(ram));
		memset(rsv, 0, sizeof(rsv));
		for (int i = 0; i < 12; i++) {
			uint64_t b = (uint64_t)rand_r(&seed) % UNITS;
			uint64_t n = 1 + (uint64_t)rand_r(&seed) % (UNITS / 4);
			int rc;

			n = MIN(n, UNITS - b);
			if (rand_r(&seed) % 3) {
				bool overlap = false;

				for (uint64_t u = b; u < b + n; u++)
					overlap |= ram[u];
				rc = physmem_add_bank(&pm, b * UNIT, n * UNIT);
				if (overlap) {
					assert_int_equal(rc, -EOVERLAP);
				} else if (rc == 0) {
					memset(ram + b, 1, n);
				} else {
					assert_int_equal(rc, -ENOMEM);
				}
			} else {
				assert_int_equal(physmem_reserve(&pm, b * UNIT, n * UNIT), 0);
				memset(rsv + b, 1, n);
			}
		}
		if (rand_r(&seed) % 2)
			limit_unit = (uint64_t)rand_r(&seed) % UNITS;
		assert_int_equal(
		    physmem_build(&pm, limit_unit == UNITS ? PHYSMEM_NO_LIMIT : limit_unit * UNIT),
		    0);
		assert_valid(&pm);

		uint64_t expect_free = 0, expect_clipped = 0;
		for (uint64_t p = 0; p < UNITS / PAGE_UNITS; p++) {
			bool usable = true, listed = false;

			for (uint64_t u = p * PAGE_UNITS; u < (p + 1) * PAGE_UNITS; u++)
				usable &= ram[u] && !rsv[u];
			for (size_t i = 0; i < pm.nr_free; i++)
				listed |= p * PAGE_SIZE >= pm.free[i].base &&
				          p * PAGE_SIZE < pm.free[i].base + pm.free[i].size;
			bool below = (p + 1) * PAGE_UNITS <= ALIGN_DOWN(limit_unit, PAGE_UNITS);
			assert_int_equal(listed, usable && below);
			expect_free += (usable && below) ? PAGE_SIZE : 0;
			expect_clipped += (usable && !below) ? PAGE_SIZE : 0;
		}
		assert_int_equal(physmem_free_bytes(&pm), expect_free);
		assert_int_equal(pm.clipped_bytes, expect_clipped);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(qemu_virt_layout),
	    cmocka_unit_test(adjacent_banks_merge),
	    cmocka_unit_test(unsorted_banks_come_out_sorted),
	    cmocka_unit_test(overlapping_banks_rejected),
	    cmocka_unit_test(bad_ranges_rejected),
	    cmocka_unit_test(bank_table_full),
	    cmocka_unit_test(reservations_merge),
	    cmocka_unit_test(reservation_table_full),
	    cmocka_unit_test(reservations_outside_ram_and_whole_banks),
	    cmocka_unit_test(free_ranges_shrink_to_pages),
	    cmocka_unit_test(clip_at_limit),
	    cmocka_unit_test(validate_catches_corruption),
	    cmocka_unit_test(random_against_model),
	};
	return cmocka_run_group_tests_name("physmem", tests, NULL, NULL);
}
