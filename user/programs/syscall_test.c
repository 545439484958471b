// SPDX-License-Identifier: MIT
/*
 * Exercises every system call and every error path it documents, spawns one
 * child per fault kind and checks that only the child died (with the fault's
 * exit status), and checks isolation between two tasks that map the same
 * address. Prints one line per check that fails, then
 *   syscall_test: <passed> passed, <failed> failed
 * and exits with the number of failures.
 */
#include <user.h>
#include <utest.h>

#define KERNEL_ADDR ((void *)0xffffffc080200000UL)
#define UNMAPPED    ((void *)0x20000000UL)
#define SHARED_VA   ((void *)0x30000000UL)
#define PAGE        4096UL

static void numbers(void)
{
	EXPECT(sys_null(), 0);
	EXPECT(syscall6(SYS_KILL + 1, 0, 0, 0, 0, 0, 0), -ENOSYS);
	EXPECT(syscall6(63, 0, 0, 0, 0, 0, 0), -ENOSYS); /* the last of this group's block */
	EXPECT(syscall6(SYS_MAX, 0, 0, 0, 0, 0, 0), -ENOSYS);
	EXPECT(syscall6(-1, 0, 0, 0, 0, 0, 0), -ENOSYS);
	EXPECT(syscall6(0x100000000L, 0, 0, 0, 0, 0, 0), -ENOSYS);
	EXPECT_TRUE(sys_task_id() > 0, sys_task_id());
	EXPECT(sys_yield(), 0);
	EXPECT(sys_sleep(0), 0);
	EXPECT(sys_sleep(2), 0);
}

static void console(void)
{
	static const char msg[] = "syscall_test: console write\n";
	char buf[8];

	EXPECT(sys_write(msg, sizeof(msg) - 1), (long)sizeof(msg) - 1);
	EXPECT(sys_write(msg, 0), 0);
	EXPECT(sys_write(NULL, 1), -EFAULT);
	EXPECT(sys_write(KERNEL_ADDR, 16), -EFAULT);
	EXPECT(sys_write(UNMAPPED, 16), -EFAULT);
	EXPECT(sys_write((void *)(USER_VA_END - 8), 16), -EFAULT); /* runs past the user half */
	EXPECT(sys_write(msg, (size_t)-1), -EFAULT);               /* wraps around */
	EXPECT(sys_read(NULL, 1), -EFAULT);
	EXPECT(sys_read(KERNEL_ADDR, sizeof(buf)), -EFAULT);
	EXPECT(sys_read((void *)msg, sizeof(buf)), -EFAULT); /* read-only: no writing into it */
	EXPECT(sys_read(buf, 0), 0);
}

static void memory(void)
{
	long a = sys_mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE);
	volatile uint64_t *p = (volatile uint64_t *)a;

	EXPECT_TRUE(a > 0 && a % PAGE == 0, a);
	if (a <= 0)
		return;
	EXPECT_TRUE(p[0] == 0 && p[PAGE / 8] == 0, p[0]); /* fresh pages are zeroed */
	memcpy((void *)a, "mmap ok\n", 8);
	EXPECT_TRUE(p[0] != 0, p[0]);
	EXPECT(sys_write((void *)a, 8), 8);
	EXPECT(sys_read((void *)(a + 2 * PAGE - 4), 8), -EFAULT); /* last 4 bytes past the end */

	EXPECT(sys_mprotect((void *)a, PAGE, PROT_READ), 0);
	EXPECT(sys_read((void *)a, 1), -EFAULT); /* now read-only */
	EXPECT(sys_mprotect((void *)a, PAGE, PROT_WRITE | PROT_EXEC), -EINVAL);
	EXPECT(sys_mprotect((void *)a, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), -EINVAL);
	EXPECT(sys_mprotect((void *)a, PAGE, 0), -EINVAL);
	EXPECT(sys_mprotect((void *)(a + 1), PAGE, PROT_READ), -EINVAL);
	EXPECT(sys_mprotect(UNMAPPED, PAGE, PROT_READ), -ENOENT);

	EXPECT(sys_mmap(NULL, 0, PROT_READ), -EINVAL);
	EXPECT(sys_mmap(NULL, PAGE, PROT_WRITE | PROT_EXEC), -EINVAL);
	EXPECT(sys_mmap(NULL, PAGE, PROT_WRITE), -EINVAL); /* W without R: reserved in Sv39 */
	EXPECT(sys_mmap(NULL, PAGE, 0), -EINVAL);
	EXPECT(sys_mmap(NULL, PAGE, 8), -EINVAL);
	EXPECT(sys_mmap((void *)(a + 1), PAGE, PROT_READ), -EINVAL);
	EXPECT(sys_mmap((void *)a, PAGE, PROT_READ), -EEXIST);
	EXPECT(sys_mmap(KERNEL_ADDR, PAGE, PROT_READ), -EINVAL);
	EXPECT(sys_mmap((void *)(USER_VA_END - PAGE), 2 * PAGE, PROT_READ), -EINVAL);
	EXPECT(sys_mmap(NULL, (size_t)-PAGE, PROT_READ), -EINVAL);
	EXPECT(sys_mmap(NULL, 1UL << 36, PROT_READ), -ENOMEM);

	EXPECT(sys_munmap((void *)a, 2 * PAGE), 0);
	EXPECT(sys_munmap((void *)a, PAGE), -ENOENT);
	EXPECT(sys_munmap((void *)(a + 1), PAGE), -EINVAL);
	EXPECT(sys_munmap(KERNEL_ADDR, PAGE), -EINVAL);
	EXPECT(sys_munmap((void *)a, 0), -EINVAL);
	EXPECT(sys_write((void *)a, 8), -EFAULT); /* gone */

	/* A fixed address, executable: the loader's W^X holds for mmap too. */
	a = sys_mmap(UNMAPPED, PAGE, PROT_READ | PROT_EXEC);
	EXPECT(a, (long)UNMAPPED);
	EXPECT(sys_munmap(UNMAPPED, PAGE), 0);
}

static volatile int thread_ran;
static uint64_t thread_stack[512] __attribute__((aligned(16)));

static void thread_main(void *arg)
{
	thread_ran = (int)(uintptr_t)arg;
	sys_thread_exit();
}

static void threads(void)
{
	void *top = thread_stack + 512;
	long tid;

	EXPECT(sys_thread_create(thread_main, KERNEL_ADDR, (void *)1), -EFAULT);
	EXPECT(sys_thread_create((void (*)(void *))KERNEL_ADDR, top, (void *)1), -EFAULT);
	EXPECT(sys_thread_create(thread_main, (char *)top - 8, (void *)1), -EINVAL);
	tid = sys_thread_create(thread_main, top, (void *)42);
	EXPECT_TRUE(tid > 0, tid);
	/* The thread may start on another hart, whose vCPU the host runs when it likes. */
	for (int i = 0; i < 1000 && thread_ran != 42; i++)
		sys_yield();
	for (int i = 0; i < 1000 && thread_ran != 42; i++)
		sys_sleep(5);
	EXPECT(thread_ran, 42);
}

static void spawning(void)
{
	const char *const args[] = {"hello", "one", "two"};
	char long_name[TASK_NAME_MAX + 8];
	char long_arg[SPAWN_MAX_ARG_LEN + 8];
	const char *const long_args[] = {"hello", long_arg};
	int status = -1;
	long child;

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	memset(long_arg, 'a', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = 0;

	EXPECT(sys_spawn("no_such_program", args, 1), -ENOENT);
	EXPECT(sys_spawn(NULL, args, 1), -EFAULT);
	EXPECT(sys_spawn(KERNEL_ADDR, args, 1), -EFAULT);
	EXPECT(sys_spawn(long_name, args, 1), -ENAMETOOLONG);
	EXPECT(sys_spawn("hello", KERNEL_ADDR, 1), -EFAULT);
	EXPECT(sys_spawn("hello", args, -1), -EINVAL);
	EXPECT(sys_spawn("hello", args, SPAWN_MAX_ARGS + 1), -E2BIG);
	EXPECT(sys_spawn("hello", long_args, 2), -E2BIG);
	EXPECT(sys_wait(sys_task_id(), &status), -ECHILD);
	EXPECT(sys_wait(99999, &status), -ECHILD);
	EXPECT(sys_kill(sys_task_id()), -EPERM);
	EXPECT(sys_kill(99999), -ESRCH);

	child = sys_spawn("hello", args, 3);
	EXPECT_TRUE(child > 0, child);
	EXPECT(sys_wait(child, KERNEL_ADDR), -EFAULT);
	EXPECT(sys_wait(child, (int *)((uintptr_t)&status + 1)), -EINVAL);
	EXPECT(sys_wait(child, &status), 0);
	EXPECT(status, 0);
	EXPECT(sys_wait(child, &status), -ECHILD); /* reaped */

	child = sys_spawn("spin", args, 1);
	EXPECT_TRUE(child > 0, child);
	EXPECT(sys_kill(child), 0);
	EXPECT(sys_wait(child, &status), 0);
	EXPECT(status, EXIT_STATUS_KILLED);
}

/*
 * Privileged spec table 4.2. A misaligned AMO may be reported as a load or a
 * store/AMO address misaligned (QEMU says load): either is accepted.
 */
static const struct {
	const char *program;
	int cause, alt_cause;
} faults[] = {
    {"fault_kernel_read", 13, 13}, {"fault_kernel_write", 15, 15},
    {"fault_unmapped", 13, 13},    {"fault_exec_data", 12, 12},
    {"fault_illegal", 2, 2},       {"fault_misaligned_atomic", 6, 4},
};

static void fault_kinds(void)
{
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		const char *argv[] = {faults[i].program};
		int status = -1;
		long child = sys_spawn(faults[i].program, argv, 1);

		EXPECT_TRUE(child > 0, child);
		EXPECT(sys_wait(child, &status), 0);
		utest_check(status == EXIT_STATUS_FAULT_BASE + faults[i].cause ||
		                status == EXIT_STATUS_FAULT_BASE + faults[i].alt_cause,
		            faults[i].program, status, __LINE__);
	}
}

/* Two tasks map the same address and each sees only its own page. */
static int isolation_child(void)
{
	volatile uint64_t *p = SHARED_VA;

	if (sys_mmap(SHARED_VA, PAGE, PROT_READ | PROT_WRITE) != (long)SHARED_VA)
		return 1;
	if (p[0] != 0)
		return 2; /* the parent's value leaked in */
	p[0] = 0xc41d;
	return 0;
}

static void isolation(void)
{
	const char *const argv[] = {"syscall_test", "isolation_child"};
	volatile uint64_t *p = SHARED_VA;
	int status = -1;
	long child;

	EXPECT(sys_mmap(SHARED_VA, PAGE, PROT_READ | PROT_WRITE), (long)SHARED_VA);
	p[0] = 0x9a7e47;
	child = sys_spawn("syscall_test", argv, 2);
	EXPECT_TRUE(child > 0, child);
	EXPECT(sys_wait(child, &status), 0);
	EXPECT(status, 0);
	EXPECT(p[0], 0x9a7e47);
	EXPECT(sys_munmap(SHARED_VA, PAGE), 0);
}

int main(int argc, char **argv)
{
	utest_program = "syscall_test";
	if (argc > 1 && strcmp(argv[1], "isolation_child") == 0)
		return isolation_child();
	numbers();
	console();
	memory();
	threads();
	spawning();
	fault_kinds();
	isolation();
	return utest_summary();
}
