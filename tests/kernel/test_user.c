// SPDX-License-Identifier: MIT
/*
 * User mode (CONFIG_USERSPACE): user-memory copies that fault into -EFAULT,
 * tasks that run and exit, one task per fault kind killed without harm to the
 * kernel, isolation between address spaces, ASID switches without a full
 * flush, ASID recycling and ASIDs off, and 1000 tasks created and destroyed
 * with every frame and ASID returned.
 */
#ifdef CONFIG_USERSPACE
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/irqflags.h>
#include <bora/ktest.h>
#include <bora/mm.h>
#include <bora/remap.h>
#include <bora/smp.h>
#include <bora/string.h>
#include <bora/task.h>
#include <bora/uaccess.h>
#include <asm/csr.h>

#define UVA 0x30000000UL

static size_t frames_used(void)
{
	struct page_alloc_stats st;

	frame_stats(&st);
	return st.used_pages;
}

/* Run `name` with argv[0] = name and up to one more argument; its exit status. */
static int run(const char *name, const char *arg)
{
	const char *argv[] = {name, arg};
	struct task *t;
	int err = task_create(&t, name, argv, arg ? 2 : 1, NULL);
	int status;

	if (err)
		return 1000 + err;
	status = task_run(t);
	task_reap(t);
	return status;
}

KTEST(uaccess, fault_in_copy_returns_efault)
{
	char buf[16];

	/* The kernel's own table maps nothing in the lower half: every copy faults. */
	aspace_activate(NULL);
	KTEST_ASSERT_EQ(copy_from_user(buf, (void *)UVA, sizeof(buf)), -EFAULT);
	KTEST_ASSERT_EQ(copy_to_user((void *)UVA, buf, sizeof(buf)), -EFAULT);
	KTEST_ASSERT_EQ(strncpy_from_user(buf, (const char *)UVA, sizeof(buf)), -EFAULT);
	/* Kernel addresses never reach the copy. */
	KTEST_ASSERT_EQ(copy_from_user(buf, (void *)_sdata, 8), -EFAULT);
	KTEST_ASSERT_EQ(copy_to_user((void *)_sdata, buf, 8), -EFAULT);
	KTEST_ASSERT_EQ(copy_from_user(buf, (void *)(USER_VA_END - 4), 8), -EFAULT);
	KTEST_ASSERT_EQ(copy_from_user(buf, NULL, 0), 0);
}

KTEST(uaccess, copies_through_a_live_space)
{
	struct aspace as;
	char out[32], in[32];
	size_t before = frames_used();

	KTEST_ASSERT_EQ(aspace_init(&as, uspace_env(), remap_kernel_table()), 0);
	KTEST_ASSERT_EQ(aspace_map_anon(&as, UVA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	KTEST_ASSERT_EQ(aspace_map_anon(&as, UVA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	aspace_activate(&as);
	memcpy(out, "across the page boundary", 25);
	KTEST_ASSERT_EQ(copy_to_user((void *)(UVA + PAGE_SIZE - 10), out, 25), 0);
	KTEST_ASSERT_EQ(copy_from_user(in, (void *)(UVA + PAGE_SIZE - 10), 25), 0);
	KTEST_ASSERT(memcmp(in, out, 25) == 0);
	KTEST_ASSERT_EQ(strncpy_from_user(in, (const char *)(UVA + PAGE_SIZE - 10), 32), 24);
	KTEST_ASSERT_EQ(strncpy_from_user(in, (const char *)(UVA + PAGE_SIZE - 10), 8),
	                -ENAMETOOLONG);
	/* Read-only page: the store faults inside the copy. */
	KTEST_ASSERT_EQ(copy_to_user((void *)(UVA + 2 * PAGE_SIZE), out, 4), -EFAULT);
	KTEST_ASSERT_EQ(copy_from_user(in, (void *)(UVA + 2 * PAGE_SIZE), 4), 0);
	/* Runs off the end of the mapping into nothing. */
	KTEST_ASSERT_EQ(copy_from_user(in, (void *)(UVA + 3 * PAGE_SIZE - 8), 16), -EFAULT);
	aspace_activate(NULL);
	aspace_destroy(&as);
	KTEST_ASSERT_EQ(frames_used(), before);
}

KTEST(task, hello_runs_and_exits_zero)
{
	size_t before = frames_used();

	KTEST_ASSERT_EQ(run("hello", "ktest"), 0);
	KTEST_ASSERT_EQ(run("nop", "x"), 1);
	KTEST_ASSERT_EQ(task_count(), 0);
	KTEST_ASSERT_EQ(frames_used(), before);
}

KTEST(task, bad_programs_and_arguments_are_refused)
{
	static char long_arg[SPAWN_MAX_ARG_LEN + 1];
	const char *argv[SPAWN_MAX_ARGS + 1] = {"nop"};
	struct task *t;

	memset(long_arg, 'a', SPAWN_MAX_ARG_LEN);
	KTEST_ASSERT_EQ(task_create(&t, "no_such_program", argv, 1, NULL), -ENOENT);
	KTEST_ASSERT_EQ(task_create(&t, "nop", argv, -1, NULL), -EINVAL);
	for (int i = 1; i <= SPAWN_MAX_ARGS; i++)
		argv[i] = "x";
	KTEST_ASSERT_EQ(task_create(&t, "nop", argv, SPAWN_MAX_ARGS + 1, NULL), -E2BIG);
	argv[1] = long_arg;
	KTEST_ASSERT_EQ(task_create(&t, "nop", argv, 2, NULL), -E2BIG);
	KTEST_ASSERT_EQ(task_count(), 0);
}

static const struct {
	const char *program;
	int cause, alt_cause; /* privileged spec table 4.2; AMOs may say load or store */
} fault_kinds[] = {
    {"fault_kernel_read", 13, 13}, {"fault_kernel_write", 15, 15},
    {"fault_unmapped", 13, 13},    {"fault_exec_data", 12, 12},
    {"fault_illegal", 2, 2},       {"fault_misaligned_atomic", 6, 4},
};

KTEST(task, each_fault_kind_kills_only_its_task)
{
	size_t before = frames_used();
	struct uspace_stats st0, st1;

	uspace_stats(&st0);
	for (size_t i = 0; i < ARRAY_SIZE(fault_kinds); i++) {
		int status = run(fault_kinds[i].program, NULL);

		KTEST_ASSERT(status == EXIT_STATUS_FAULT_BASE + fault_kinds[i].cause ||
		             status == EXIT_STATUS_FAULT_BASE + fault_kinds[i].alt_cause);
		/* The kernel goes on: the next task runs normally. */
		KTEST_ASSERT_EQ(run("nop", NULL), 0);
	}
	uspace_stats(&st1);
	KTEST_ASSERT_EQ(st1.asids_in_use, st0.asids_in_use);
	KTEST_ASSERT_EQ(frames_used(), before);
}

/* Task A maps a page and writes it; task B maps the same address and must see zeros. */
KTEST(task, address_spaces_are_isolated)
{
	const char *argv[] = {"nop"};
	struct task *a;
	uint64_t mark = 0x15014fedULL, got = 0;

	KTEST_ASSERT_EQ(task_create(&a, "nop", argv, 1, NULL), 0);
	KTEST_ASSERT_EQ(aspace_map_anon(&a->as, UVA, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	KTEST_ASSERT_EQ(aspace_write(&a->as, UVA, &mark, sizeof(mark)), 0);
	/* syscall_test's child mode maps UVA itself and exits 2 if it sees data there. */
	KTEST_ASSERT_EQ(run("syscall_test", "isolation_child"), 0);
	KTEST_ASSERT_EQ(aspace_read(&a->as, UVA, &got, sizeof(got)), 0);
	KTEST_ASSERT_EQ(got, mark);
	task_reap(a);
}

/* The space's ASID on this hart (the asid suites run on the boot hart). */
static unsigned int asid_here(const struct aspace *as)
{
	return as->asid[smp_this_hart()].asid;
}

KTEST(asid, switch_between_spaces_without_full_flush)
{
	struct aspace a, b;
	struct uspace_stats st0, st1;

	uspace_stats(&st0);
	if (st0.asids < 3)
		KTEST_SKIP("the hart implements fewer than 2 ASIDs for tasks");
	KTEST_ASSERT_EQ(aspace_init(&a, uspace_env(), remap_kernel_table()), 0);
	KTEST_ASSERT_EQ(aspace_init(&b, uspace_env(), remap_kernel_table()), 0);
	for (int i = 0; i < 10; i++) {
		aspace_activate(&a);
		aspace_activate(&b);
	}
	aspace_activate(NULL);
	uspace_stats(&st1);
	KTEST_ASSERT_EQ(st1.full_flushes, st0.full_flushes);
	KTEST_ASSERT_EQ(st1.asid_flushes - st0.asid_flushes, 2); /* one per fresh id */
	KTEST_ASSERT_EQ(st1.switches - st0.switches, 20);
	KTEST_ASSERT(asid_here(&a) != asid_here(&b) && asid_here(&a) && asid_here(&b));
	KTEST_ASSERT_EQ(st1.asids_in_use, st0.asids_in_use + 2);
	aspace_release_asid(&a);
	aspace_release_asid(&b);
	aspace_destroy(&a);
	aspace_destroy(&b);
}

/*
 * Activate as and check that satp holds its root under the id it has on this
 * hart (aspace_activate_kept's cached value), with interrupts off so that no
 * switch comes between.
 */
static bool activate_loads(struct aspace *as)
{
	unsigned long flags = arch_irq_save();
	bool ok;

	aspace_activate(as);
	ok = asid_here(as) && csr_read(satp) == sv39_satp(as->pt.root_pa, (uint16_t)asid_here(as));
	arch_irq_restore(flags);
	return ok;
}

KTEST(asid, the_cached_satp_follows_release_and_new_generations)
{
	struct uspace_stats st0, st1;
	struct aspace a, b, c;

	uspace_stats(&st0);
	if (st0.asid_bits < 2)
		KTEST_SKIP("the hart implements fewer than 2 ASID bits");
	uspace_asid_reconfigure(3); /* ids 1 and 2 for tasks */
	KTEST_ASSERT_EQ(aspace_init(&a, uspace_env(), remap_kernel_table()), 0);
	KTEST_ASSERT_EQ(aspace_init(&b, uspace_env(), remap_kernel_table()), 0);
	KTEST_ASSERT_EQ(aspace_init(&c, uspace_env(), remap_kernel_table()), 0);
	KTEST_ASSERT(activate_loads(&a));
	KTEST_ASSERT(activate_loads(&b));
	KTEST_ASSERT(activate_loads(&a)); /* kept */
	/* a's id goes to c: a must not come back under it. */
	aspace_activate(NULL);
	aspace_release_asid(&a);
	KTEST_ASSERT(activate_loads(&c));
	KTEST_ASSERT(activate_loads(&a));
	KTEST_ASSERT(activate_loads(&b));
	KTEST_ASSERT(asid_here(&b) != asid_here(&a));
	/* A new setup is a new generation: nothing cached before it is kept. */
	uspace_asid_reconfigure(3);
	uspace_stats(&st0);
	KTEST_ASSERT(activate_loads(&b));
	uspace_stats(&st1);
	KTEST_ASSERT_EQ(st1.asid_flushes - st0.asid_flushes, 1);
	aspace_activate(NULL);
	aspace_release_asid(&a);
	aspace_release_asid(&b);
	aspace_release_asid(&c);
	aspace_destroy(&a);
	aspace_destroy(&b);
	aspace_destroy(&c);
	uspace_asid_reconfigure(CONFIG_ASID_LIMIT);
}

KTEST(asid, recycling_starts_a_generation_with_one_full_flush)
{
	struct uspace_stats st0, st1;

	uspace_stats(&st0);
	if (st0.asid_bits < 2)
		KTEST_SKIP("the hart implements fewer than 2 ASID bits");
	uspace_asid_reconfigure(3); /* ids 1 and 2 for tasks */
	{
		struct aspace s[3];

		for (int i = 0; i < 3; i++)
			KTEST_ASSERT_EQ(aspace_init(&s[i], uspace_env(), remap_kernel_table()), 0);
		aspace_activate(&s[0]);
		aspace_activate(&s[1]);
		uspace_stats(&st0);
		aspace_activate(&s[2]); /* out of ids: generation 2 */
		uspace_stats(&st1);
		KTEST_ASSERT_EQ(st1.asid_rollovers - st0.asid_rollovers, 1);
		KTEST_ASSERT_EQ(st1.full_flushes - st0.full_flushes, 1);
		/* s[0] is from the old generation: a new id, no second full flush. */
		aspace_activate(&s[0]);
		uspace_stats(&st0);
		KTEST_ASSERT_EQ(st0.full_flushes, st1.full_flushes);
		KTEST_ASSERT(asid_here(&s[0]) != asid_here(&s[2]));
		aspace_activate(NULL);
		for (int i = 0; i < 3; i++) {
			aspace_release_asid(&s[i]);
			aspace_destroy(&s[i]);
		}
	}
	/* Tasks run correctly across many generations. */
	for (int i = 0; i < 20; i++)
		KTEST_ASSERT_EQ(run("nop", NULL), 0);
	uspace_asid_reconfigure(CONFIG_ASID_LIMIT);
}

KTEST(asid, off_means_a_full_flush_per_switch)
{
	struct uspace_stats st0, st1;
	struct aspace a;

	uspace_asid_reconfigure(1);
	KTEST_ASSERT_EQ(aspace_init(&a, uspace_env(), remap_kernel_table()), 0);
	uspace_stats(&st0);
	for (int i = 0; i < 5; i++)
		aspace_activate(&a);
	uspace_stats(&st1);
	KTEST_ASSERT_EQ(st1.full_flushes - st0.full_flushes, 5);
	KTEST_ASSERT_EQ(asid_here(&a), 0);
	aspace_activate(NULL);
	aspace_destroy(&a);
	KTEST_ASSERT_EQ(run("hello", "asids off"), 0);
	uspace_asid_reconfigure(CONFIG_ASID_LIMIT);
}

KTEST(task, a_thousand_tasks_return_every_frame_and_asid)
{
	size_t before = frames_used();
	struct uspace_stats st0, st1;

	uspace_stats(&st0);
	for (int i = 0; i < 1000; i++) {
		const char *argv[] = {"spin"};
		struct task *t;

		/* A third run to completion, a third are killed running, a third before starting.
		 */
		if (i % 3 == 0) {
			KTEST_ASSERT_EQ(run("nop", NULL), 0);
			continue;
		}
		KTEST_ASSERT_EQ(task_create(&t, "spin", argv, 1, NULL), 0);
		if (i % 3 == 1)
			KTEST_ASSERT_EQ(task_start(t), 0);
		KTEST_ASSERT_EQ(task_kill(t), 0);
		KTEST_ASSERT_EQ(task_wait(t), EXIT_STATUS_KILLED);
		task_reap(t);
	}
	uspace_stats(&st1);
	KTEST_ASSERT_EQ(st1.asids_in_use, st0.asids_in_use);
	KTEST_ASSERT_EQ(task_count(), 0);
	KTEST_ASSERT_EQ(frames_used(), before);
}

/*
 * A page the task does not own (what SYS_DEVPAGE_MAP maps; here a frame the test
 * holds, so a wrong free shows in the counter and the poisoned contents) stays
 * allocated through munmap and the task's end.
 */
KTEST(task, device_pages_are_not_freed_with_the_task)
{
	const char *argv[] = {"spin"};
	const uint64_t mark = 0x6465766963650001ULL;
	size_t before = frames_used();
	uintptr_t page;
	struct task *t;

	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &page), 0);
	*(volatile uint64_t *)page = mark;
	KTEST_ASSERT_EQ(task_create(&t, "spin", argv, 1, NULL), 0);
	KTEST_ASSERT_EQ(aspace_map_device(&t->as, UVA, virt_to_phys((void *)page), PAGE_SIZE,
	                                  PROT_READ | PROT_WRITE),
	                0);
	KTEST_ASSERT_EQ(aspace_map_device(&t->as, UVA + PAGE_SIZE, virt_to_phys((void *)page),
	                                  PAGE_SIZE, PROT_READ),
	                0);
	KTEST_ASSERT_EQ(t->as.device_pages, 2);
	KTEST_ASSERT_EQ(aspace_unmap(&t->as, UVA + PAGE_SIZE, PAGE_SIZE), 0);
	KTEST_ASSERT_EQ(task_start(t), 0);
	KTEST_ASSERT_EQ(task_kill(t), 0);
	KTEST_ASSERT_EQ(task_wait(t), EXIT_STATUS_KILLED);
	task_reap(t);
	KTEST_ASSERT_EQ(frames_used(), before + 1);
	KTEST_ASSERT_EQ(*(volatile uint64_t *)page, mark);
	KTEST_ASSERT_EQ(frame_free(page, 1), 0);
	KTEST_ASSERT_EQ(frames_used(), before);
}

/* Every system call, every error path, threads, spawn/wait/kill, faults, isolation: 0 failures. */
KTEST(task, syscall_test_passes)
{
	size_t before;

	/* The first run may grow the kernel heap for good (seed 0xccc34def: one frame). */
	KTEST_ASSERT_EQ(run("syscall_test", NULL), 0);
	KTEST_ASSERT_EQ(task_count(), 0);
	before = frames_used();
	KTEST_ASSERT_EQ(run("syscall_test", NULL), 0);
	KTEST_ASSERT_EQ(task_count(), 0);
	KTEST_ASSERT_EQ(frames_used(), before);
}

#ifdef CONFIG_KTEST_BENCH
/* The programs print their own "bench: goal ..." and "bench: figure ..." lines (boot_cost.py). */
KTEST(bench, null_syscall)
{
	KTEST_ASSERT_EQ(run("bench_syscall", NULL), 0);
}

KTEST(bench, task_switch_with_and_without_asids)
{
	struct uspace_stats st;

	uspace_stats(&st);
	KTEST_ASSERT_EQ(run("bench_switch", st.asids >= 3 ? "asids" : "no_asids"), 0);
	uspace_asid_reconfigure(1);
	KTEST_ASSERT_EQ(run("bench_switch", "asids_off"), 0);
	uspace_asid_reconfigure(CONFIG_ASID_LIMIT);
}
#endif
#endif
