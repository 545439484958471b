// SPDX-License-Identifier: MIT
/* System calls about tasks and threads: exit, yield, sleep, spawn, wait, kill, ids. */
#include <bora/errno.h>
#include <bora/string.h>
#include <bora/thread.h>
#include <bora/uaccess.h>
#include "internal.h"
#ifdef CONFIG_IPC
#include <bora/syscall_ipc.h>
#endif

#define UNUSED5(a, b, c, d, e) ((void)(a), (void)(b), (void)(c), (void)(d), (void)(e))

long sys_exit(long status, long a1, long a2, long a3, long a4, long a5)
{
	UNUSED5(a1, a2, a3, a4, a5);
	task_exit_current((int)status);
}

long sys_yield(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0;
	UNUSED5(a1, a2, a3, a4, a5);
	thread_yield();
	task_check_dying();
	return 0;
}

long sys_sleep(long ms, long a1, long a2, long a3, long a4, long a5)
{
	UNUSED5(a1, a2, a3, a4, a5);
	if (ms < 0)
		return -EINVAL;
	if (ms == 0)
		thread_yield();
	else
		thread_sleep(TIMEOUT_MS(ms));
	task_check_dying();
	return 0;
}

long sys_task_id(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0;
	UNUSED5(a1, a2, a3, a4, a5);
	return (long)task_current()->id;
}

long sys_thread_create(long entry, long stack_top, long arg, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	if (!user_range_ok((uint64_t)entry, 2) || !user_range_ok((uint64_t)stack_top - 16, 16))
		return -EFAULT;
	if (stack_top % 16 || entry % 2)
		return -EINVAL;
	return task_thread_create((uint64_t)entry, (uint64_t)stack_top, (uint64_t)arg);
}

long sys_thread_exit(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0;
	UNUSED5(a1, a2, a3, a4, a5);
	task_thread_leave();
}

/* Arguments for spawn, copied in: the strings live in one buffer. */
struct spawn_args {
	char name[TASK_NAME_MAX];
	const char *argv[SPAWN_MAX_ARGS];
	char buf[SPAWN_MAX_ARGS_LEN];
};

static long copy_spawn_args(struct spawn_args *sa, const char *uname, const char *const *uargv,
                            long argc)
{
	uint64_t ptrs[SPAWN_MAX_ARGS];
	size_t used = 0;
	long n = strncpy_from_user(sa->name, uname, sizeof(sa->name));

	if (n < 0)
		return n;
	if (argc < 0)
		return -EINVAL;
	if (argc > SPAWN_MAX_ARGS)
		return -E2BIG;
	if (copy_from_user(ptrs, uargv, (size_t)argc * sizeof(ptrs[0])))
		return -EFAULT;
	for (long i = 0; i < argc; i++) {
		size_t room = MIN(sizeof(sa->buf) - used, (size_t)SPAWN_MAX_ARG_LEN);

		if (room == 0)
			return -E2BIG;
		n = strncpy_from_user(sa->buf + used, (const char *)ptrs[i], room);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		sa->argv[i] = sa->buf + used;
		used += (size_t)n + 1;
	}
	return 0;
}

long sys_spawn(long uname, long uargv, long argc, long a3, long a4, long a5)
{
	struct spawn_args sa;
	struct task *child;
	long err;

	err = copy_spawn_args(&sa, (const char *)uname, (const char *const *)uargv, argc);
	if (err)
		return err;
	err = task_create(&child, sa.name, sa.argv, (int)argc, task_current());
	if (err)
		return err;
#ifdef CONFIG_IPC
	/* a3, a4: handles the child starts with (kernel/syscall_ipc.c). */
	if (a4) {
		err = ipc_spawn_give(task_current(), child, a3, a4);
		if (err) {
			task_reap(child);
			return err;
		}
	}
	/* a5: 1 + the index of the console handle among them (0: none); the child finds it in a2.
	 */
	if (a5 < 0 || a5 > (a4 > 0 ? a4 : 0)) {
		task_reap(child);
		return -EINVAL;
	}
	if (a5)
		child->start[0].tf.regs[12] = (uint64_t)(a5 - 1);
#else
	(void)a3, (void)a4, (void)a5;
#endif
	err = task_start(child);
	if (err) {
		task_reap(child);
		return err;
	}
	return (long)child->id;
}

static struct task *own_child(long id)
{
	struct task *t = id > 0 ? task_find((size_t)id) : NULL;

	return t && t->parent == task_current() ? t : NULL;
}

long sys_wait(long id, long ustatus, long a2, long a3, long a4, long a5)
{
	struct task *child;
	int status;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (ustatus) {
		if (!user_range_ok((uint64_t)ustatus, sizeof(int)))
			return -EFAULT;
		if (ustatus % sizeof(int))
			return -EINVAL;
		if (!aspace_range_mapped(&task_current()->as, (uint64_t)ustatus, sizeof(int),
		                         PROT_READ | PROT_WRITE))
			return -EFAULT;
	}
	child = own_child(id);
	if (!child)
		return -ECHILD;
	/* Taken off the list first, so a second wait for the same child is ECHILD. */
	child->parent = NULL;
	status = task_wait(child);
	task_reap(child);
	task_check_dying();
	if (ustatus && copy_to_user((void *)ustatus, &status, sizeof(status)))
		return -EFAULT;
	return 0;
}

long sys_kill(long id, long a1, long a2, long a3, long a4, long a5)
{
	struct task *t;

	UNUSED5(a1, a2, a3, a4, a5);
	t = id > 0 ? task_find((size_t)id) : NULL;
	if (!t)
		return -ESRCH;
	if (t->parent != task_current())
		return -EPERM;
	return task_kill(t);
}
