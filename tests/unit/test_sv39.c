// SPDX-License-Identifier: MIT
/* Sv39 page-table API over a fake physical arena (sv39_arena.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/sv39.h>
#include "sv39_arena.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#define KERNEL_VIRT_OFFSET 0xffffffc000000000ULL
#define RW                 (SV39_PTE_R | SV39_PTE_W)
#define RX                 (SV39_PTE_R | SV39_PTE_X)
#define LEAF               (SV39_PTE_V | SV39_PTE_A | SV39_PTE_D)

struct fixture {
	struct arena *a;
	struct sv39 pt;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->a = arena_new(2048);
	assert_int_equal(sv39_init(&f->pt, &f->a->env), 0);
	assert_int_equal(f->pt.table_pages, 1);
	*state = f;
	return 0;
}

/* Every test ends with a full teardown: all frames back, none twice, none foreign. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv39_validate(&f->pt), 0);
	sv39_destroy(&f->pt);
	assert_int_equal(f->pt.table_pages, 0);
	assert_int_equal(f->a->in_use, 0);
	assert_int_equal(f->a->allocs, f->a->frees);
	assert_int_equal(f->a->double_frees, 0);
	assert_int_equal(f->a->foreign_frees, 0);
	assert_int_equal(f->a->bad_lookups, 0);
	arena_delete(f->a);
	free(f);
	return 0;
}

/* Leaf statistics and an order-sensitive digest of the whole table. */
struct census {
	size_t leaves[SV39_LEVELS];
	size_t ranges;
	uint64_t digest;
	uint64_t bytes;
};

static int count_leaf(void *arg, const struct sv39_leaf *l)
{
	struct census *c = arg;

	c->leaves[l->level]++;
	c->bytes += l->size;
	c->digest = (c->digest * 0x100000001b3ULL) ^ l->va ^ (l->pa << 3) ^ l->flags ^ l->size;
	return 0;
}

static int count_range(void *arg, const struct sv39_leaf *l)
{
	((struct census *)arg)->ranges++;
	(void)l;
	return 0;
}

static struct census census(const struct sv39 *pt)
{
	struct census c = {0};

	assert_int_equal(sv39_walk(pt, count_leaf, &c), 0);
	assert_int_equal(sv39_walk_ranges(pt, count_range, &c), 0);
	return c;
}

static void assert_maps(const struct sv39 *pt, uint64_t va, uint64_t pa, uint64_t flags, int level)
{
	uint64_t got_pa, got_flags;
	int got_level;

	assert_int_equal(sv39_translate(pt, va, &got_pa, &got_flags, &got_level), 0);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_flags, flags);
	assert_int_equal(got_level, level);
}

static void assert_unmapped(const struct sv39 *pt, uint64_t va)
{
	assert_int_equal(sv39_translate(pt, va, NULL, NULL, NULL), -ENOENT);
}

/* ---- encoding --------------------------------------------------------------- */

static void encoding(void **state)
{
	(void)state;
	assert_int_equal(sv39_level_size(0), 4 * KiB);
	assert_int_equal(sv39_level_size(1), 2 * MiB);
	assert_int_equal(sv39_level_size(2), GiB);
	/* The boot table's facts: identity RAM at index 2, high alias at 0x102, PPN 0x80000. */
	assert_int_equal(sv39_vpn(0x80000000, 2), 2);
	assert_int_equal(sv39_vpn(KERNEL_VIRT_OFFSET + 0x80000000, 2), 0x102);
	assert_int_equal(sv39_pte_make(0x80000000, 0) >> SV39_PTE_PPN_SHIFT, 0x80000);
	assert_int_equal(sv39_vpn(0xffffffc080201000, 1), 1);
	assert_int_equal(sv39_vpn(0xffffffc080201000, 0), 1);
	assert_int_equal(sv39_vpn(0x7fffffffff, 0), 511);

	assert_true(sv39_is_canonical(0));
	assert_true(sv39_is_canonical(0x3fffffffff));
	assert_false(sv39_is_canonical(0x4000000000));
	assert_false(sv39_is_canonical(0xffffffbfffffffff));
	assert_true(sv39_is_canonical(0xffffffc000000000));
	assert_true(sv39_is_canonical(UINT64_MAX));
	assert_false(sv39_is_canonical(0x8000000000000000));
	assert_int_equal(sv39_canonical(0x4000000000), 0xffffffc000000000);
	assert_int_equal(sv39_canonical(0x3fffffffff), 0x3fffffffff);

	uint64_t top_pa = ((1ULL << 44) - 1) << 12; /* the highest frame a PPN can name */
	uint64_t pte = sv39_pte_make(top_pa, LEAF | RW);
	assert_int_equal(sv39_pte_pa(pte), top_pa);
	assert_int_equal(pte & SV39_PTE_RESERVED, 0);
	assert_true(sv39_pte_is_leaf(pte));
	assert_false(sv39_pte_is_leaf(sv39_pte_make(0x1000, SV39_PTE_V)));
	assert_false(sv39_pte_is_leaf(sv39_pte_make(0x1000, SV39_PTE_R)));

	assert_int_equal(sv39_satp(0x80001000, 5), 8ULL << 60 | 5ULL << 44 | 0x80001);
	assert_int_equal(sv39_satp(0x80001000, 0) >> 60, SATP_MODE_SV39);
}

/* ---- mapping ---------------------------------------------------------------- */

static void every_leaf_size(void **state)
{
	struct fixture *f = *state;
	const uint64_t start = 0x3fdff000, end = 0x80201000;

	/* 4K, 2M, 1G, 2M, 4K: each edge forces the next size down. */
	assert_int_equal(sv39_map_range(&f->pt, start, start, end - start, RW | SV39_PTE_G), 0);
	struct census c = census(&f->pt);
	assert_int_equal(c.leaves[0], 2);
	assert_int_equal(c.leaves[1], 2);
	assert_int_equal(c.leaves[2], 1);
	assert_int_equal(c.ranges, 1);
	assert_int_equal(c.bytes, end - start);
	assert_int_equal(f->pt.table_pages, 5); /* root, 2 x (2M table, 4K table) */
	assert_maps(&f->pt, 0x3fdff123, 0x3fdff123, LEAF | RW | SV39_PTE_G, 0);
	assert_maps(&f->pt, 0x3fe00000, 0x3fe00000, LEAF | RW | SV39_PTE_G, 1);
	assert_maps(&f->pt, 0x7fffffff, 0x7fffffff, LEAF | RW | SV39_PTE_G, 2);
	assert_maps(&f->pt, 0x801fffff, 0x801fffff, LEAF | RW | SV39_PTE_G, 1);
	assert_maps(&f->pt, 0x80200fff, 0x80200fff, LEAF | RW | SV39_PTE_G, 0);
	assert_unmapped(&f->pt, start - 1);
	assert_unmapped(&f->pt, end);
	assert_int_equal(sv39_validate(&f->pt), 0);
}

static void alignment_limits_leaf_size(void **state)
{
	struct fixture *f = *state;

	/* va is 1 GiB-aligned but pa only 4 KiB-aligned: 4 KiB leaves only. */
	assert_int_equal(sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET, 0x80201000, 4 * MiB, RX), 0);
	struct census c = census(&f->pt);
	assert_int_equal(c.leaves[0], 1024);
	assert_int_equal(c.leaves[1] + c.leaves[2], 0);
	assert_int_equal(c.ranges, 1);
	assert_int_equal(f->pt.table_pages, 4);
	/* pa 2 MiB-aligned but va off by 4 KiB: the same. */
	assert_int_equal(
	    sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET + GiB + 0x1000, 0x80000000, 4 * MiB, RX), 0);
	assert_int_equal(census(&f->pt).leaves[0], 2048);
}

/* The stage-2 linear map: all of a 16 GiB machine in a handful of table pages. */
static void linear_map_16g(void **state)
{
	struct fixture *f = *state;
	const uint64_t ram = 0x80000000, size = 16 * GiB;

	assert_int_equal(sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET + ram, ram, size, RW), 0);
	assert_int_equal(f->pt.table_pages, 1); /* 16 gigapages in the root */
	assert_int_equal(census(&f->pt).leaves[2], 16);
	assert_maps(&f->pt, KERNEL_VIRT_OFFSET + ram + size - 1, ram + size - 1, LEAF | RW, 2);
	assert_int_equal(sv39_unmap_range(&f->pt, KERNEL_VIRT_OFFSET + ram, size), 0);
	assert_int_equal(census(&f->pt).bytes, 0);

	/* Starting after a kernel image: 4 KiB, then 2 MiB, then gigapages. */
	const uint64_t free_start = 0x80231000;
	assert_int_equal(sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET + free_start, free_start,
	                                ram + size - free_start, RW),
	                 0);
	struct census c = census(&f->pt);
	assert_int_equal(f->pt.table_pages, 3);
	assert_int_equal(c.leaves[0], (0x80400000 - free_start) / (4 * KiB));
	assert_int_equal(c.leaves[1], 510);
	assert_int_equal(c.leaves[2], 15);
	assert_int_equal(c.ranges, 1);
}

static void high_half_top_and_low_half_top(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv39_map_range(&f->pt, 0xfffffffffffff000, 0x1000, 0x1000, RW), 0);
	assert_int_equal(sv39_map_range(&f->pt, 0x3ffffff000, 0x2000, 0x1000, RX), 0);
	assert_maps(&f->pt, UINT64_MAX, 0x1fff, LEAF | RW, 0);
	assert_maps(&f->pt, 0x3fffffffff, 0x2fff, LEAF | RX, 0);
	assert_int_equal(sv39_translate(&f->pt, 0x4000000000, NULL, NULL, NULL), -EINVAL);
	struct census c = census(&f->pt);
	assert_int_equal(c.leaves[0], 2);
	assert_int_equal(c.ranges, 2);
}

static void overlap_is_eexist_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	const uint64_t va = KERNEL_VIRT_OFFSET;

	assert_int_equal(sv39_map_range(&f->pt, va, 0x80000000, GiB, RW), 0);
	assert_int_equal(sv39_map_range(&f->pt, va + 2 * GiB + 0x5000, 0x5000, 0x1000, RW), 0);
	struct census before = census(&f->pt);
	size_t tables = f->pt.table_pages, in_use = f->a->in_use;

	assert_int_equal(sv39_map_range(&f->pt, va, 0x80000000, GiB, RW), -EEXIST);
	assert_int_equal(sv39_map_range(&f->pt, va + 0x1000, 0x1000, 0x1000, RX), -EEXIST);
	assert_int_equal(sv39_map_range(&f->pt, va + GiB - 0x1000, 0, 2 * GiB, RW), -EEXIST);
	assert_int_equal(sv39_map_range(&f->pt, va + 2 * GiB, 0, GiB, RW), -EEXIST);
	assert_int_equal(sv39_map_range(&f->pt, va + 2 * GiB + 0x4000, 0, 0x2000, RW), -EEXIST);
	assert_int_equal(census(&f->pt).digest, before.digest);
	assert_int_equal(f->pt.table_pages, tables);
	assert_int_equal(f->a->in_use, in_use);
	/* Right next to the existing pages is fine. */
	assert_int_equal(sv39_map_range(&f->pt, va + 2 * GiB + 0x4000, 0, 0x1000, RW), 0);
	assert_int_equal(sv39_map_range(&f->pt, va + 2 * GiB + 0x6000, 0, 0x1000, RW), 0);
}

static void invalid_arguments(void **state)
{
	struct fixture *f = *state;
	struct sv39 other;

	assert_int_equal(sv39_map_range(&f->pt, 0x1000, 0x1000, 0, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x1800, 0x1000, 0x1000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x1000, 0x1800, 0x1000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x1000, 0x1000, 0x1800, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x4000000000, 0, 0x1000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x3ffffff000, 0, 0x2000, RW), -EINVAL); /* hole */
	assert_int_equal(sv39_map_range(&f->pt, 0, 0, 0xfffffffffffff000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0xfffffffffffff000, 0, 0x2000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0, 1ULL << 56, 0x1000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0, (1ULL << 56) - 0x1000, 0x2000, RW), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0, (1ULL << 56) - 0x1000, 0x1000, RW), 0);
	/* Permission encodings: W without R is reserved, none of R/X is not a leaf. */
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, SV39_PTE_W), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, SV39_PTE_W | SV39_PTE_X),
	                 -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, 0), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, SV39_PTE_U | SV39_PTE_G),
	                 -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, RW | SV39_PTE_V), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, RW | (1ULL << 8)), -EINVAL);
	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0, 0x1000, SV39_PTE_X), 0);
	assert_int_equal(sv39_map_range(&f->pt, 0x11000, 0, 0x1000, SV39_PTE_R | SV39_PTE_U), 0);
	assert_int_equal(sv39_protect_range(&f->pt, 0x10000, 0x1000, SV39_PTE_W), -EINVAL);
	assert_int_equal(sv39_unmap_range(&f->pt, 0x10800, 0x1000), -EINVAL);
	assert_int_equal(sv39_unmap_range(&f->pt, 0x10000, 0), -EINVAL);
	assert_int_equal(sv39_init(&other, NULL), -EINVAL);
	assert_int_equal(f->a->flush_alls, 0);
}

/* ---- unmap and protect -------------------------------------------------------- */

static void unmap_middle_of_gigapage(void **state)
{
	struct fixture *f = *state;
	const uint64_t va = KERNEL_VIRT_OFFSET + 2 * GiB, pa = 0x80000000;
	const uint64_t hole = va + 2 * MiB + 0x1000;

	assert_int_equal(sv39_map_range(&f->pt, va, pa, GiB, RW), 0);
	assert_int_equal(sv39_unmap_range(&f->pt, hole, 0x1000), 0);
	assert_int_equal(f->pt.table_pages, 3); /* 1G split to 2M, one 2M split to 4K */
	struct census c = census(&f->pt);
	assert_int_equal(c.leaves[1], 511);
	assert_int_equal(c.leaves[0], 511);
	assert_int_equal(c.ranges, 2);
	assert_int_equal(c.bytes, GiB - 0x1000);
	assert_unmapped(&f->pt, hole);
	assert_maps(&f->pt, hole - 1, pa + 2 * MiB + 0xfff, LEAF | RW, 0);
	assert_maps(&f->pt, hole + 0x1000, pa + 2 * MiB + 0x2000, LEAF | RW, 0);
	assert_maps(&f->pt, va + GiB - 1, pa + GiB - 1, LEAF | RW, 1);

	/* Not all mapped: refused before anything changes. */
	assert_int_equal(sv39_unmap_range(&f->pt, va, GiB), -ENOENT);
	assert_int_equal(census(&f->pt).digest, c.digest);
	assert_int_equal(sv39_unmap_range(&f->pt, va + GiB, 0x1000), -ENOENT);

	/* Unmapping the rest frees the split tables again. */
	assert_int_equal(sv39_unmap_range(&f->pt, va, hole - va), 0);
	assert_int_equal(sv39_unmap_range(&f->pt, hole + 0x1000, va + GiB - hole - 0x1000), 0);
	assert_int_equal(f->pt.table_pages, 1);
	assert_int_equal(f->a->in_use, 1);
	assert_int_equal(census(&f->pt).bytes, 0);
}

static void unmap_start_of_2m_page(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv39_map_range(&f->pt, 0x200000, 0x400000, 4 * MiB, RX), 0);
	assert_int_equal(f->pt.table_pages, 2);
	assert_int_equal(sv39_unmap_range(&f->pt, 0x200000, 0x1000), 0);
	assert_int_equal(f->pt.table_pages, 3);
	struct census c = census(&f->pt);
	assert_int_equal(c.leaves[0], 511);
	assert_int_equal(c.leaves[1], 1);
	assert_unmapped(&f->pt, 0x200000);
	assert_maps(&f->pt, 0x201000, 0x401000, LEAF | RX, 0);
	/* An aligned whole 2 MiB unmap needs no split. */
	assert_int_equal(sv39_unmap_range(&f->pt, 0x400000, 2 * MiB), 0);
	assert_int_equal(f->pt.table_pages, 3);
}

static void protect_splits_gigapage_and_2m(void **state)
{
	struct fixture *f = *state;
	const uint64_t va = KERNEL_VIRT_OFFSET, pa = 0x80000000;
	const uint64_t text = va + 2 * MiB + 0x1000, text_end = va + 4 * MiB;

	assert_int_equal(sv39_map_range(&f->pt, va, pa, GiB, RW | SV39_PTE_G), 0);
	assert_int_equal(sv39_protect_range(&f->pt, text, text_end - text, RX | SV39_PTE_G), 0);
	assert_int_equal(f->pt.table_pages, 3);
	struct census c = census(&f->pt);
	assert_int_equal(c.ranges, 3); /* RW, RX, RW */
	assert_int_equal(c.leaves[0], 512);
	assert_int_equal(c.leaves[1], 511);
	assert_maps(&f->pt, text - 1, pa + 2 * MiB + 0xfff, LEAF | RW | SV39_PTE_G, 0);
	assert_maps(&f->pt, text, pa + 2 * MiB + 0x1000, LEAF | RX | SV39_PTE_G, 0);
	assert_maps(&f->pt, text_end, pa + 4 * MiB, LEAF | RW | SV39_PTE_G, 1);

	/* Read-only rodata across the 2M boundary: splits the next 2 MiB leaf as well. */
	assert_int_equal(sv39_protect_range(&f->pt, text_end - 0x1000, 0x2000, SV39_PTE_R), 0);
	assert_int_equal(f->pt.table_pages, 4);
	assert_maps(&f->pt, text_end, pa + 4 * MiB, LEAF | SV39_PTE_R, 0);
	assert_int_equal(census(&f->pt).ranges, 4); /* RW, RX, R, RW */

	/* Restoring RW everywhere merges back into one range (the leaves stay split). */
	assert_int_equal(sv39_protect_range(&f->pt, va, GiB, RW | SV39_PTE_G), 0);
	c = census(&f->pt);
	assert_int_equal(c.ranges, 1);
	assert_int_equal(c.leaves[0], 1024);
	assert_int_equal(sv39_protect_range(&f->pt, va + GiB, 0x1000, RW), -ENOENT);
	assert_int_equal(sv39_protect_range(&f->pt, va, GiB, SV39_PTE_W), -EINVAL);
}

static int stop_at_second(void *arg, const struct sv39_leaf *l)
{
	(void)l;
	return ++*(int *)arg == 2 ? 77 : 0;
}

static void walk_order_and_early_stop(void **state)
{
	struct fixture *f = *state;
	int seen = 0;

	assert_int_equal(sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET, 0, 0x1000, RW), 0);
	assert_int_equal(sv39_map_range(&f->pt, 0x1000, 0, 0x1000, RW), 0);
	assert_int_equal(sv39_map_range(&f->pt, 0x2000, 0x1000, 0x1000, RX), 0);
	assert_int_equal(sv39_walk(&f->pt, stop_at_second, &seen), 77);
	assert_int_equal(seen, 2);
	seen = 0;
	/* Ranges: [0x1000 RW], [0x2000 RX], [high RW]; the second stops the walk. */
	assert_int_equal(sv39_walk_ranges(&f->pt, stop_at_second, &seen), 77);
	assert_int_equal(census(&f->pt).ranges, 3);
}

/* ---- frames ------------------------------------------------------------------ */

static void exhaustion_mid_map_rolls_back(void **state)
{
	struct fixture *f = *state;
	/* Needs a 2 MiB and a 4 KiB table at each edge: four frames. */
	const uint64_t va = 0x3fdff000, size = 0x80201000 - 0x3fdff000;
	int failures = 0;

	assert_int_equal(sv39_map_range(&f->pt, 0x40000000 + 3 * GiB, 0, 0x1000, RW), 0);
	struct census before = census(&f->pt);
	size_t tables = f->pt.table_pages, in_use = f->a->in_use;

	for (long budget = 0;; budget++) {
		f->a->fail_after = budget;
		int rc = sv39_map_range(&f->pt, va, va, size, RW);

		f->a->fail_after = -1;
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(sv39_validate(&f->pt), 0);
		assert_int_equal(census(&f->pt).digest, before.digest);
		assert_int_equal(f->pt.table_pages, tables);
		assert_int_equal(f->a->in_use, in_use);
		failures++;
	}
	assert_int_equal(failures, 4);
	assert_int_equal(f->pt.table_pages, tables + 4);
	assert_int_equal(census(&f->pt).bytes, size + 0x1000);
}

static void exhaustion_in_split_keeps_mapping(void **state)
{
	struct fixture *f = *state;
	const uint64_t va = KERNEL_VIRT_OFFSET, pa = 0x80000000, hole = va + 3 * MiB;

	assert_int_equal(sv39_map_range(&f->pt, va, pa, GiB, RW), 0);
	struct census before = census(&f->pt);

	for (long budget = 0; budget < 2; budget++) {
		f->a->fail_after = budget;
		assert_int_equal(sv39_unmap_range(&f->pt, hole, 0x1000), -ENOMEM);
		assert_int_equal(sv39_protect_range(&f->pt, hole, 0x1000, RX), -ENOMEM);
		f->a->fail_after = -1;
		assert_int_equal(sv39_validate(&f->pt), 0);
		/* Same translations, whatever splits were kept. */
		struct census c = census(&f->pt);
		assert_int_equal(c.ranges, 1);
		assert_int_equal(c.bytes, before.bytes);
		assert_int_equal(f->pt.table_pages, 1 + (size_t)budget);
		assert_maps(&f->pt, hole, pa + 3 * MiB, LEAF | RW, budget ? 1 : 2);
	}
	assert_int_equal(sv39_unmap_range(&f->pt, hole, 0x1000), 0);
	assert_unmapped(&f->pt, hole);
}

static void destroy_returns_every_frame(void **state)
{
	struct fixture *f = *state;

	for (uint64_t i = 0; i < 64; i++)
		assert_int_equal(sv39_map_range(&f->pt, i * 3 * MiB + i * 0x1000, 0, 0x1000, RW),
		                 0);
	assert_int_equal(sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET, 0x80000000, 4 * GiB, RW), 0);
	assert_int_equal(f->a->in_use, f->pt.table_pages);
	assert_true(f->pt.table_pages > 60);
	/* teardown() destroys and checks the arena; also prove its detectors work. */
	uint64_t pa;
	assert_int_equal(f->a->env.alloc_table(f->a, &pa), 0);
	f->a->env.free_table(f->a, pa);
	f->a->env.free_table(f->a, pa);
	f->a->env.free_table(f->a, ARENA_BASE - PAGE_SIZE);
	assert_int_equal(f->a->double_frees, 1);
	assert_int_equal(f->a->foreign_frees, 1);
	f->a->double_frees = f->a->foreign_frees = 0;
}

static void flushes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv39_map_range(&f->pt, 0x10000, 0x10000, 4 * 0x1000, RW), 0);
	assert_int_equal(f->a->flushes, 4);
	assert_int_equal(f->a->last_flush, 0x13000);
	assert_int_equal(sv39_protect_range(&f->pt, 0x11000, 0x1000, RX), 0);
	assert_int_equal(f->a->flushes, 5);
	assert_int_equal(sv39_protect_range(&f->pt, 0x11000, 0x1000, RX), 0); /* no change */
	assert_int_equal(f->a->flushes, 5);
	/* Large operations fall back to one full flush. */
	assert_int_equal(sv39_map_range(&f->pt, 0x100000, 0, 100 * 0x1000, RW), 0);
	assert_int_equal(f->a->flushes, 5);
	assert_int_equal(f->a->flush_alls, 1);
	/* High-half addresses are reported canonical. */
	assert_int_equal(sv39_map_range(&f->pt, KERNEL_VIRT_OFFSET, 0, GiB, RW), 0);
	assert_int_equal(f->a->last_flush, KERNEL_VIRT_OFFSET);
	/* Freeing a table is fenced at once. */
	size_t alls = f->a->flush_alls;
	assert_int_equal(sv39_unmap_range(&f->pt, 0x10000, 4 * 0x1000), 0);
	assert_int_equal(sv39_unmap_range(&f->pt, 0x100000, 100 * 0x1000), 0);
	assert_true(f->a->flush_alls > alls);
	assert_int_equal(f->pt.table_pages, 1);
}

static void validate_catches_corruption(void **state)
{
	struct fixture *f = *state;
	uint64_t *root = arena_virt(f->a, f->pt.root_pa);

	assert_int_equal(sv39_map_range(&f->pt, 0, 0, 0x1000, RW), 0);
	uint64_t *l1 = arena_virt(f->a, sv39_pte_pa(root[0]));
	uint64_t saved = root[5];

	root[5] = sv39_pte_make(0x40000000, LEAF | SV39_PTE_W); /* W without R */
	assert_int_equal(sv39_validate(&f->pt), -ECORRUPT);
	root[5] = sv39_pte_make(0x40200000, LEAF | RW); /* misaligned gigapage */
	assert_int_equal(sv39_validate(&f->pt), -ECORRUPT);
	root[5] = sv39_pte_make(0x40000000, LEAF | RW) | (1ULL << 60); /* reserved bit */
	assert_int_equal(sv39_validate(&f->pt), -ECORRUPT);
	root[5] = saved;
	l1[7] = sv39_pte_make(0x600000, SV39_PTE_V | SV39_PTE_A); /* A in a pointer */
	assert_int_equal(sv39_validate(&f->pt), -ECORRUPT);
	l1[7] = 0;
	f->pt.table_pages++;
	assert_int_equal(sv39_validate(&f->pt), -ECORRUPT);
	f->pt.table_pages--;
	assert_int_equal(sv39_validate(&f->pt), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encoding),
	    T(every_leaf_size),
	    T(alignment_limits_leaf_size),
	    T(linear_map_16g),
	    T(high_half_top_and_low_half_top),
	    T(overlap_is_eexist_and_changes_nothing),
	    T(invalid_arguments),
	    T(unmap_middle_of_gigapage),
	    T(unmap_start_of_2m_page),
	    T(protect_splits_gigapage_and_2m),
	    T(walk_order_and_early_stop),
	    T(exhaustion_mid_map_rolls_back),
	    T(exhaustion_in_split_keeps_mapping),
	    T(destroy_returns_every_frame),
	    T(flushes),
	    T(validate_catches_corruption),
	};
	return cmocka_run_group_tests_name("sv39", tests, NULL, NULL);
}
