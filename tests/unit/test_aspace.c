// SPDX-License-Identifier: MIT
/*
 * User address spaces over the fake arena: the kernel half is shared (never
 * copied or freed), user mappings get U/A/D and W^X, every error leaves the
 * space as it was, and destroy returns every frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <bora/aspace.h>
#include <bora/errno.h>
#include "sv39_arena.h"
#include "xorshift.h"

#define PG        4096ULL
#define KVA       0xffffffc080000000ULL
#define KPA       0x80000000ULL
#define UVA       0x10000000ULL
#define RW        (PROT_READ | PROT_WRITE)
#define KERNEL_RW (SV39_PTE_R | SV39_PTE_W | SV39_PTE_G)

struct fixture {
	struct arena *a;
	struct sv39 kernel;
	size_t kernel_frames;
	struct aspace as;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->a = arena_new(1024);
	assert_int_equal(sv39_init(&f->kernel, &f->a->env), 0);
	/* A kernel half with tables at every level: a 2 MiB leaf and a 4 KiB one. */
	assert_int_equal(sv39_map_range(&f->kernel, KVA, KPA, 2 << 20, KERNEL_RW), 0);
	assert_int_equal(sv39_map_range(&f->kernel, KVA + (4 << 20), KPA + (4 << 20), PG,
	                                SV39_PTE_R | SV39_PTE_G),
	                 0);
	f->kernel_frames = f->a->in_use;
	assert_int_equal(aspace_init(&f->as, &f->a->env, &f->kernel), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	aspace_destroy(&f->as);
	assert_int_equal(f->as.user_pages, 0);
	assert_int_equal(f->as.pt.table_pages, 0);
	/* Back to the kernel's own frames, and the kernel's table untouched. */
	assert_int_equal(f->a->in_use, f->kernel_frames);
	assert_int_equal(sv39_validate(&f->kernel), 0);
	assert_int_equal(sv39_translate(&f->kernel, KVA + 8, NULL, NULL, NULL), 0);
	sv39_destroy(&f->kernel);
	assert_int_equal(f->a->in_use, 0);
	assert_int_equal(f->a->double_frees, 0);
	assert_int_equal(f->a->foreign_frees, 0);
	assert_int_equal(f->a->bad_lookups, 0);
	arena_delete(f->a);
	free(f);
	return 0;
}

static void kernel_half_is_shared_not_copied(void **state)
{
	struct fixture *f = *state;
	uint64_t pa, flags;

	assert_int_equal(f->as.pt.table_pages, 1); /* the root only */
	assert_int_equal(f->a->in_use, f->kernel_frames + 1);
	assert_int_equal(sv39_translate(&f->as.pt, KVA + 0x1234, &pa, &flags, NULL), 0);
	assert_int_equal(pa, KPA + 0x1234);
	assert_true(flags & SV39_PTE_G);
	assert_false(flags & SV39_PTE_U);
	/* A kernel mapping made afterwards under an existing root entry shows up too. */
	assert_int_equal(sv39_map_range(&f->kernel, KVA + (6 << 20), KPA + (6 << 20), PG,
	                                SV39_PTE_R | SV39_PTE_G),
	                 0);
	assert_int_equal(sv39_translate(&f->as.pt, KVA + (6 << 20), NULL, NULL, NULL), 0);
	assert_int_equal(sv39_unmap_range(&f->kernel, KVA + (6 << 20), PG), 0);
	f->kernel_frames = f->a->in_use - 1;
}

static void prot_translation(void **state)
{
	(void)state;
	assert_int_equal(aspace_prot_to_pte(PROT_READ), SV39_PTE_U | SV39_PTE_R);
	assert_int_equal(aspace_prot_to_pte(RW), SV39_PTE_U | SV39_PTE_R | SV39_PTE_W);
	assert_int_equal(aspace_prot_to_pte(PROT_READ | PROT_EXEC),
	                 SV39_PTE_U | SV39_PTE_R | SV39_PTE_X);
	assert_int_equal(aspace_prot_to_pte(PROT_EXEC), SV39_PTE_U | SV39_PTE_X);
	assert_int_equal(aspace_prot_to_pte(0), 0);
	assert_int_equal(aspace_prot_to_pte(PROT_WRITE), 0);
	assert_int_equal(aspace_prot_to_pte(PROT_WRITE | PROT_EXEC), 0);
	assert_int_equal(aspace_prot_to_pte(RW | PROT_EXEC), 0);
	assert_int_equal(aspace_prot_to_pte(8), 0);
}

static void map_gives_zeroed_user_pages(void **state)
{
	struct fixture *f = *state;
	uint64_t flags;
	uint8_t buf[64];

	assert_int_equal(aspace_map_anon(&f->as, UVA, 3 * PG, RW), 0);
	assert_int_equal(f->as.user_pages, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sv39_translate(&f->as.pt, UVA + i * PG, NULL, &flags, NULL), 0);
		assert_int_equal(flags & 0xff, SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_U |
		                                   SV39_PTE_A | SV39_PTE_D);
	}
	/* Fresh arena frames are 0xa5: the map must have zeroed them. */
	assert_int_equal(aspace_read(&f->as, UVA + PG - 32, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
}

static void map_refuses_bad_arguments_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	size_t before;

	assert_int_equal(aspace_map_anon(&f->as, UVA, PG, RW), 0);
	before = f->a->in_use;
	assert_int_equal(aspace_map_anon(&f->as, UVA + PG, PG, RW | PROT_EXEC), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, UVA + PG, PG, PROT_WRITE), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, UVA + PG, PG, 0), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, UVA + 1, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, UVA, PG + 1, RW), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, UVA, 0, RW), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, 0, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, KVA, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, USER_VA_END - PG, 2 * PG, RW), -EINVAL);
	assert_int_equal(aspace_map_anon(&f->as, UVA, -PG, RW), -EINVAL);
	/* The second page is free, the first is not: nothing is mapped at all. */
	assert_int_equal(aspace_map_anon(&f->as, UVA - PG, 2 * PG, RW), -EEXIST);
	assert_int_equal(sv39_translate(&f->as.pt, UVA - PG, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(f->a->in_use, before);
	assert_int_equal(f->as.user_pages, 1);
}

static void map_out_of_frames_is_undone(void **state)
{
	struct fixture *f = *state;
	size_t before = f->a->in_use;

	for (long n = 0; n < 12; n++) {
		f->a->fail_after = n;
		int rc = aspace_map_anon(&f->as, UVA, 8 * PG, RW);

		f->a->fail_after = -1;
		if (rc == 0) {
			assert_int_equal(aspace_unmap(&f->as, UVA, 8 * PG), 0);
		} else {
			assert_int_equal(rc, -ENOMEM);
		}
		assert_int_equal(f->a->in_use, before);
		assert_int_equal(f->as.user_pages, 0);
	}
}

static void unmap_frees_frames_and_tables(void **state)
{
	struct fixture *f = *state;
	size_t before = f->a->in_use;

	assert_int_equal(aspace_map_anon(&f->as, UVA, 4 * PG, RW), 0);
	assert_int_equal(aspace_unmap(&f->as, UVA, 5 * PG), -ENOENT); /* last page unmapped */
	assert_int_equal(f->as.user_pages, 4);
	assert_int_equal(aspace_unmap(&f->as, UVA + 1, PG), -EINVAL);
	assert_int_equal(aspace_unmap(&f->as, KVA, PG), -EINVAL);
	assert_int_equal(aspace_unmap(&f->as, UVA + PG, PG), 0);
	assert_int_equal(aspace_read(&f->as, UVA + PG, &before, 1), -EFAULT);
	assert_int_equal(aspace_unmap(&f->as, UVA, PG), 0);
	assert_int_equal(aspace_unmap(&f->as, UVA + 2 * PG, 2 * PG), 0);
	assert_int_equal(f->as.user_pages, 0);
	assert_int_equal(f->a->in_use, before); /* page-table pages too */
}

static void protect_changes_permissions(void **state)
{
	struct fixture *f = *state;
	uint64_t flags;

	assert_int_equal(aspace_map_anon(&f->as, UVA, 2 * PG, RW), 0);
	assert_int_equal(aspace_protect(&f->as, UVA, PG, PROT_READ | PROT_EXEC), 0);
	assert_int_equal(sv39_translate(&f->as.pt, UVA, NULL, &flags, NULL), 0);
	assert_true(flags & SV39_PTE_X);
	assert_false(flags & SV39_PTE_W);
	assert_true(flags & SV39_PTE_U);
	assert_int_equal(aspace_protect(&f->as, UVA, PG, RW | PROT_EXEC), -EINVAL);
	assert_int_equal(aspace_protect(&f->as, UVA, 3 * PG, PROT_READ), -ENOENT);
	assert_true(aspace_range_mapped(&f->as, UVA, PG, PROT_EXEC));
	assert_false(aspace_range_mapped(&f->as, UVA, PG, PROT_WRITE));
	assert_true(aspace_range_mapped(&f->as, UVA + PG, PG, RW));
}

static void range_mapped_checks_every_page(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(aspace_map_anon(&f->as, UVA, 2 * PG, RW), 0);
	assert_true(aspace_range_mapped(&f->as, UVA + 5, 2 * PG - 5, RW));
	assert_false(aspace_range_mapped(&f->as, UVA + 5, 2 * PG, PROT_READ));
	assert_false(aspace_range_mapped(&f->as, UVA - 1, 2, PROT_READ));
	assert_true(aspace_range_mapped(&f->as, 0, 0, PROT_READ));
	assert_false(aspace_range_mapped(&f->as, KVA, 8, PROT_READ)); /* mapped, but not user */
	assert_false(aspace_range_mapped(&f->as, UVA, ~0ULL, PROT_READ));
}

static void write_and_read_across_pages(void **state)
{
	struct fixture *f = *state;
	char in[100], out[100];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)i;
	assert_int_equal(aspace_map_anon(&f->as, UVA, 2 * PG, PROT_READ), 0);
	assert_int_equal(aspace_write(&f->as, UVA + PG - 50, in, sizeof(in)), 0);
	assert_int_equal(aspace_read(&f->as, UVA + PG - 50, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(aspace_write(&f->as, UVA + 2 * PG - 50, in, sizeof(in)), -EFAULT);
	assert_int_equal(aspace_write(&f->as, KVA, in, 8), -EFAULT);
	assert_int_equal(aspace_read(&f->as, UVA, out, 0), 0);
}

static void find_free_skips_mappings(void **state)
{
	struct fixture *f = *state;
	uint64_t va;

	assert_int_equal(aspace_find_free(&f->as, UVA, USER_VA_END, 2 * PG, &va), 0);
	assert_int_equal(va, UVA);
	assert_int_equal(aspace_map_anon(&f->as, UVA, PG, RW), 0);
	assert_int_equal(aspace_map_anon(&f->as, UVA + 2 * PG, PG, RW), 0);
	assert_int_equal(aspace_find_free(&f->as, UVA, USER_VA_END, PG, &va), 0);
	assert_int_equal(va, UVA + PG);
	assert_int_equal(aspace_find_free(&f->as, UVA, USER_VA_END, 2 * PG, &va), 0);
	assert_int_equal(va, UVA + 3 * PG);
	assert_int_equal(aspace_find_free(&f->as, 0, USER_VA_END, PG, &va), 0);
	assert_int_equal(va, USER_VA_START);
	assert_int_equal(aspace_find_free(&f->as, UVA, UVA + 2 * PG, 2 * PG, &va), -ENOMEM);
	assert_int_equal(aspace_find_free(&f->as, UVA, USER_VA_END, USER_VA_END, &va), -ENOMEM);
	assert_int_equal(aspace_find_free(&f->as, UVA, USER_VA_END, 0, &va), -EINVAL);
}

/* Random map/unmap/protect against a model of which page has which protection. */
#define MODEL_PAGES 96
static void random_operations_match_model(void **state)
{
	struct fixture *f = *state;
	static const unsigned int prots[] = {PROT_READ, RW, PROT_READ | PROT_EXEC, PROT_EXEC};
	unsigned int model[MODEL_PAGES] = {0};
	uint64_t seed = 0x6173706163650001ULL;

	rng_state = seed;
	printf("random_operations_match_model: seed %#llx\n", (unsigned long long)seed);
	for (int step = 0; step < 4000; step++) {
		uint64_t first = rng() % MODEL_PAGES, n = 1 + rng() % 6;
		unsigned int prot = prots[rng() % 4];
		bool any = false, all = true;
		int rc, op = (int)(rng() % 3);

		if (first + n > MODEL_PAGES)
			n = MODEL_PAGES - first;
		for (uint64_t i = first; i < first + n; i++) {
			any |= model[i] != 0;
			all &= model[i] != 0;
		}
		if (op == 0) {
			rc = aspace_map_anon(&f->as, UVA + first * PG, n * PG, prot);
			assert_int_equal(rc, any ? -EEXIST : 0);
			for (uint64_t i = first; !any && i < first + n; i++)
				model[i] = prot;
		} else if (op == 1) {
			rc = aspace_unmap(&f->as, UVA + first * PG, n * PG);
			assert_int_equal(rc, all ? 0 : -ENOENT);
			for (uint64_t i = first; all && i < first + n; i++)
				model[i] = 0;
		} else {
			rc = aspace_protect(&f->as, UVA + first * PG, n * PG, prot);
			assert_int_equal(rc, all ? 0 : -ENOENT);
			for (uint64_t i = first; all && i < first + n; i++)
				model[i] = prot;
		}
		size_t mapped = 0;

		for (int i = 0; i < MODEL_PAGES; i++) {
			bool m = aspace_range_mapped(&f->as, UVA + i * PG, PG, model[i]);

			assert_true(model[i]
			                ? m
			                : !aspace_range_mapped(&f->as, UVA + i * PG, 1, PROT_READ));
			mapped += model[i] != 0;
		}
		assert_int_equal(f->as.user_pages, mapped);
	}
}

static void destroy_returns_everything(void **state)
{
	struct fixture *f = *state;

	/* Spread over several tables at every level: teardown checks the counts. */
	assert_int_equal(aspace_map_anon(&f->as, UVA, 5 * PG, RW), 0);
	assert_int_equal(aspace_map_anon(&f->as, 0x200000000ULL, PG, PROT_READ), 0);
	assert_int_equal(
	    aspace_map_anon(&f->as, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, RW), 0);
	assert_true(f->as.pt.table_pages >= 6);
}

/* Device memory outside the arena: freeing it would count as a foreign free. */
#define DEV_PA 0x10000000ULL

static void device_pages_are_never_freed(void **state)
{
	struct fixture *f = *state;
	size_t before = f->a->in_use;
	uint64_t pa, flags;
	uint8_t byte;

	assert_int_equal(aspace_map_device(&f->as, UVA, DEV_PA, 2 * PG, RW), 0);
	assert_int_equal(f->as.device_pages, 2);
	assert_int_equal(f->as.user_pages, 0);
	assert_int_equal(sv39_translate(&f->as.pt, UVA + PG + 5, &pa, &flags, NULL), 0);
	assert_int_equal(pa, DEV_PA + PG + 5);
	assert_int_equal(flags & 0xff, SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_U |
	                                   SV39_PTE_A | SV39_PTE_D);
	assert_true(aspace_range_mapped(&f->as, UVA, 2 * PG, RW));
	/* Never executable, not at map time, not later; the kernel does not copy through it. */
	assert_int_equal(aspace_protect(&f->as, UVA, PG, PROT_READ | PROT_EXEC), -EPERM);
	assert_int_equal(aspace_protect(&f->as, UVA, PG, PROT_READ), 0);
	assert_int_equal(aspace_read(&f->as, UVA, &byte, 1), -EFAULT);
	/* Unmapping takes only page-table pages back, never the device's. */
	assert_int_equal(aspace_unmap(&f->as, UVA, PG), 0);
	assert_int_equal(f->as.device_pages, 1);
	assert_int_equal(f->a->foreign_frees, 0);
	assert_int_equal(aspace_unmap(&f->as, UVA + PG, PG), 0);
	assert_int_equal(f->as.device_pages, 0);
	assert_int_equal(f->a->in_use, before);
	/* Mixed with owned frames, then destroy (teardown checks no foreign free happened). */
	assert_int_equal(aspace_map_anon(&f->as, UVA, PG, RW), 0);
	assert_int_equal(aspace_map_device(&f->as, UVA + PG, DEV_PA, PG, RW), 0);
	assert_int_equal(aspace_map_device(&f->as, UVA + 3 * PG, DEV_PA, PG, PROT_READ), 0);
	assert_int_equal(f->as.user_pages, 1);
	assert_int_equal(f->as.device_pages, 2);
}

static void device_map_refuses_bad_arguments(void **state)
{
	struct fixture *f = *state;
	size_t before;

	assert_int_equal(aspace_map_anon(&f->as, UVA + PG, PG, RW), 0);
	before = f->a->in_use;
	assert_int_equal(aspace_map_device(&f->as, UVA, DEV_PA, PG, RW | PROT_EXEC), -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, UVA, DEV_PA, PG, PROT_READ | PROT_EXEC),
	                 -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, UVA, DEV_PA, PG, 0), -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, UVA, DEV_PA + 8, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, UVA + 8, DEV_PA, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, KVA, DEV_PA, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, 0, DEV_PA, PG, RW), -EINVAL);
	assert_int_equal(aspace_map_device(&f->as, UVA, DEV_PA, 2 * PG, RW), -EEXIST);
	assert_int_equal(f->as.device_pages, 0);
	assert_int_equal(f->a->in_use, before);
	/* Out of table pages half-way: undone, nothing freed that was not ours. */
	assert_int_equal(aspace_unmap(&f->as, UVA + PG, PG), 0);
	before = f->a->in_use;
	for (long n = 0; n < 4; n++) {
		f->a->fail_after = n;
		int rc = aspace_map_device(&f->as, 0x40000000ULL - PG, DEV_PA, 2 * PG, RW);

		f->a->fail_after = -1;
		if (rc == 0)
			assert_int_equal(aspace_unmap(&f->as, 0x40000000ULL - PG, 2 * PG), 0);
		else
			assert_int_equal(rc, -ENOMEM);
		assert_int_equal(f->as.device_pages, 0);
		assert_int_equal(f->a->in_use, before);
		assert_int_equal(f->a->foreign_frees, 0);
	}
}

static void many_spaces_come_and_go(void **state)
{
	struct fixture *f = *state;
	size_t before = f->a->in_use;

	for (int i = 0; i < 200; i++) {
		struct aspace as;

		assert_int_equal(aspace_init(&as, &f->a->env, &f->kernel), 0);
		assert_int_equal(aspace_map_anon(&as, UVA, 2 * PG, RW), 0);
		assert_int_equal(aspace_write(&as, UVA, &i, sizeof(i)), 0);
		aspace_destroy(&as);
		assert_int_equal(f->a->in_use, before);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(kernel_half_is_shared_not_copied), T(prot_translation),
	    T(map_gives_zeroed_user_pages),      T(map_refuses_bad_arguments_and_changes_nothing),
	    T(map_out_of_frames_is_undone),      T(unmap_frees_frames_and_tables),
	    T(protect_changes_permissions),      T(range_mapped_checks_every_page),
	    T(write_and_read_across_pages),      T(find_free_skips_mappings),
	    T(random_operations_match_model),    T(destroy_returns_everything),
	    T(many_spaces_come_and_go),          T(device_pages_are_never_freed),
	    T(device_map_refuses_bad_arguments),
	};
	return cmocka_run_group_tests_name("aspace", tests, NULL, NULL);
}
