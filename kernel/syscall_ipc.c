// SPDX-License-Identifier: MIT
/*
 * The IPC syscalls' entry from the trap path and the tasks' handle tables.
 * kernel/user/syscall.c hands every number in SYS_IPC_BASE.. here with the
 * trap frame, because IPC reads a6 and returns results in a1..a6 as well as
 * a0 (<uapi/bora/ipc.h>).
 */
#include <bora/errno.h>
#include <bora/ipc_fastpath.h>
#include <bora/ipc_kernel.h>
#include <bora/kmalloc.h>
#include <bora/sched.h>
#include <bora/syscall_ipc.h>
#include <bora/task.h>
#include <bora/uaccess.h>
#include <asm/trap.h>

struct ipc_task {
	struct handle_table table;
	struct handle slots[CONFIG_IPC_MAX_HANDLES];
};

int ipc_task_init(struct task *t)
{
	struct ipc_task *it = kzalloc(sizeof(*it));

	if (!it)
		return -ENOMEM;
	handle_table_init(&it->table, it->slots, CONFIG_IPC_MAX_HANDLES);
	t->handles = it;
	return 0;
}

struct handle_table *ipc_task_table(struct task *t)
{
	return t->handles ? &((struct ipc_task *)t->handles)->table : NULL;
}

void ipc_task_destroy(struct task *t)
{
	struct ipc_task *it = t->handles;
	unsigned long flags;

	if (!it)
		return;
	flags = ipc_lock();
	handle_table_close_all(&it->table);
	ipc_unlock(flags);
	t->handles = NULL;
	kfree(it);
}

int ipc_task_give(struct task *from, struct task *to, const long *handles, int count)
{
	struct handle_table *src = ipc_task_table(from), *dst = ipc_task_table(to);
	unsigned long flags;
	int err = 0;

	if (count < 0 || count > CONFIG_IPC_MAX_HANDLES)
		return -EINVAL;
	if (!count)
		return 0;
	if (!to->handles && ipc_task_init(to))
		return -ENOMEM;
	dst = ipc_task_table(to);
	if (!src)
		return -EBADHANDLE; /* the parent holds no handles at all */
	flags = ipc_lock();
	for (int i = 0; i < count && !err; i++) {
		int slot = handle_copy(src, handles[i], IPC_RIGHTS_ALL, dst);

		err = slot < 0 ? slot : 0;
	}
	if (err)
		handle_table_close_all(dst);
	ipc_unlock(flags);
	return err;
}

long ipc_spawn_give(struct task *parent, struct task *child, long uhandles, long count)
{
	long handles[CONFIG_IPC_MAX_HANDLES];

	if (count < 0 || count > CONFIG_IPC_MAX_HANDLES)
		return -EINVAL;
	if (copy_from_user(handles, (const void *)uhandles, (size_t)count * sizeof(long)))
		return -EFAULT;
	return ipc_task_give(parent, child, handles, (int)count);
}

long sys_ipc(long a0, long a1, long a2, long a3, long a4, long a5)
{
	long ret;

	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	ret = ipc_syscall_trap(task_user_frame());
	task_check_dying(); /* killed while blocked: ipc_task_interrupt() woke us to leave */
	return ret;
}

void ipc_task_interrupt(struct task *t)
{
	if (t->handles)
		ipc_interrupt_threads_of(ipc_task_table(t));
}

/* The user fast path (kernel/ipc_fastpath_user.c) finds a task's table at task->handles. */
_Static_assert(offsetof(struct ipc_task, table) == 0, "struct ipc_task starts with its table");

long ipc_syscall_general(struct trap_frame *tf)
{
	long ret = ipc_syscall_trap(tf);

	task_check_dying(); /* killed while blocked: ipc_task_interrupt() woke us to leave */
	return ret;
}

long ipc_syscall_trap(struct trap_frame *tf)
{
	struct task *task = task_current();
	struct handle_table *table = NULL;

	/* A task's table is made on its first IPC call (or when spawned with handles). */
	if (task && !task->handles)
		ipc_task_init(task);
	if (task)
		table = ipc_task_table(task);
	struct ipc_thread *self = table ? ipc_thread_attach(thread_current(), table, false) : NULL;

	if (!self)
		return -ENOMEM;
	/* a0..a7 lie in the frame in order, as struct ipc_regs has them: results go back in place.
	 */
	return ipc_syscall(self, tf->regs[17], (struct ipc_regs *)&tf->regs[10]);
}

/*
 * Map a device page object's MMIO into the calling task only: read/write, never
 * executable, U set, and marked as not owned, so munmap and the task's end drop
 * the mapping without giving the device's pages to the frame allocator
 * (mm/aspace.c). "Uncached" comes from the platform's physical memory
 * attributes for the I/O region (no Svpbmt bits in Sv39 PTEs here).
 */
int ipc_env_map_device(struct ipc_thread *self, uint64_t va, uint64_t phys, uint64_t size)
{
	struct task *t = task_current();

	(void)self;
	if (!t)
		return -ENOTSUP; /* a kernel thread has no user address space to map into */
	return aspace_map_device(&t->as, va, phys, size, PROT_READ | PROT_WRITE);
}
