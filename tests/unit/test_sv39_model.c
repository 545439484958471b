// SPDX-License-Identifier: MIT
/*
 * Sv39 against a reference model: random map / unmap / protect over a 2 GiB
 * window, sized and aligned so that gigapages, 2 MiB pages, partial splits
 * and every error path occur. The model is one entry per 4 KiB page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/sv39.h>
#include "sv39_arena.h"

#define GiB    (1ULL << 30)
#define WIN    (0xffffffc000000000ULL + GiB) /* high half, gigapage-aligned */
#define PAGES  (2 * GiB / PAGE_SIZE)
#define ROUNDS 3000

static const uint64_t perms[] = {
    SV39_PTE_R, SV39_PTE_R | SV39_PTE_W, SV39_PTE_R | SV39_PTE_X,
    SV39_PTE_X, SV39_PTE_R | SV39_PTE_U, SV39_PTE_R | SV39_PTE_W | SV39_PTE_G,
};

struct model {
	uint64_t pa[PAGES];
	uint8_t perm[PAGES]; /* index into perms + 1; 0 = unmapped */
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t leaf_flags(int perm_idx)
{
	return perms[perm_idx] | SV39_PTE_V | SV39_PTE_A | SV39_PTE_D;
}

/* Random range in the window: mostly aligned to one leaf size, sometimes ragged. */
static void random_range(uint64_t *first_page, uint64_t *count)
{
	static const uint64_t grains[] = {1, 512, 262144}; /* 4 KiB, 2 MiB, 1 GiB in pages */
	uint64_t g = grains[next_rand() % 3];
	uint64_t first = (next_rand() % (PAGES / g)) * g;
	uint64_t n = g * (1 + next_rand() % 3);

	if (next_rand() % 3 == 0)
		first += next_rand() % 512;
	if (next_rand() % 3 == 0)
		n += next_rand() % 512;
	*first_page = MIN(first, PAGES - 1);
	*count = MIN(n, PAGES - *first_page);
}

static int check_leaf(void *arg, const struct sv39_leaf *l)
{
	const struct model *m = arg;
	uint64_t first = (l->va - WIN) / PAGE_SIZE;

	assert_true(l->va >= WIN && first + l->size / PAGE_SIZE <= PAGES);
	for (uint64_t i = 0; i < l->size / PAGE_SIZE; i++) {
		assert_int_not_equal(m->perm[first + i], 0);
		assert_int_equal(m->pa[first + i], l->pa + i * PAGE_SIZE);
		assert_int_equal(leaf_flags(m->perm[first + i] - 1), l->flags);
	}
	return 0;
}

static int count_pages(void *arg, const struct sv39_leaf *l)
{
	*(uint64_t *)arg += l->size / PAGE_SIZE;
	return 0;
}

static void compare_all(const struct sv39 *pt, const struct model *m)
{
	uint64_t mapped = 0, expect = 0;

	assert_int_equal(sv39_walk(pt, check_leaf, (void *)m), 0);
	assert_int_equal(sv39_walk(pt, count_pages, &mapped), 0);
	for (uint64_t i = 0; i < PAGES; i++)
		expect += m->perm[i] != 0;
	assert_int_equal(mapped, expect);
}

static void random_operations(void **state)
{
	struct model *m = calloc(1, sizeof(*m));
	struct arena *a = arena_new(4096);
	struct sv39 pt;
	size_t ok = 0, eexist = 0, enoent = 0, huge_seen = 0;

	(void)state;
	assert_int_equal(sv39_init(&pt, &a->env), 0);
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t first, n, any = 0, all = 1;
		int op = (int)(next_rand() % 3), p = (int)(next_rand() % ARRAY_SIZE(perms));
		uint64_t va;
		int rc;

		random_range(&first, &n);
		va = WIN + first * PAGE_SIZE;
		for (uint64_t i = first; i < first + n; i++) {
			any |= m->perm[i] != 0;
			all &= m->perm[i] != 0;
		}
		if (op == 0) {
			/* Same offset inside a gigapage as va half the time, so huge leaves fit. */
			uint64_t pa =
			    (next_rand() % 64) * GiB +
			    (next_rand() % 2 ? (va % GiB) : (next_rand() % 262144) * PAGE_SIZE);

			rc = sv39_map_range(&pt, va, pa, n * PAGE_SIZE, perms[p]);
			assert_int_equal(rc, any ? -EEXIST : 0);
			for (uint64_t i = 0; !rc && i < n; i++) {
				m->perm[first + i] = (uint8_t)(p + 1);
				m->pa[first + i] = pa + i * PAGE_SIZE;
			}
		} else if (op == 1) {
			rc = sv39_unmap_range(&pt, va, n * PAGE_SIZE);
			assert_int_equal(rc, all ? 0 : -ENOENT);
			for (uint64_t i = 0; !rc && i < n; i++)
				m->perm[first + i] = 0;
		} else {
			rc = sv39_protect_range(&pt, va, n * PAGE_SIZE, perms[p]);
			assert_int_equal(rc, all ? 0 : -ENOENT);
			for (uint64_t i = 0; !rc && i < n; i++)
				m->perm[first + i] = (uint8_t)(p + 1);
		}
		ok += rc == 0;
		eexist += rc == -EEXIST;
		enoent += rc == -ENOENT;

		assert_int_equal(sv39_validate(&pt), 0);
		assert_int_equal(pt.table_pages, a->in_use);
		for (int s = 0; s < 32; s++) {
			uint64_t i = next_rand() % PAGES, pa, flags;
			int level;

			rc = sv39_translate(&pt, WIN + i * PAGE_SIZE, &pa, &flags, &level);
			if (!m->perm[i]) {
				assert_int_equal(rc, -ENOENT);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(pa, m->pa[i]);
			assert_int_equal(flags, leaf_flags(m->perm[i] - 1));
			huge_seen += level > 0;
		}
		if (round % 100 == 99)
			compare_all(&pt, m);
	}
	compare_all(&pt, m);
	/* The mix must have exercised every outcome. */
	assert_true(ok > ROUNDS / 5);
	assert_true(eexist > ROUNDS / 20);
	assert_true(enoent > ROUNDS / 20);
	assert_true(huge_seen > 100);

	sv39_destroy(&pt);
	assert_int_equal(a->in_use, 0);
	assert_int_equal(a->allocs, a->frees);
	assert_int_equal(a->double_frees + a->foreign_frees + a->bad_lookups, 0);
	arena_delete(a);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(random_operations),
	};
	return cmocka_run_group_tests_name("sv39_model", tests, NULL, NULL);
}
