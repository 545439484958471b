// SPDX-License-Identifier: MIT
/* The threads of a task: start, add, switch the address space in, leave. */
#include <bora/errno.h>
#include <bora/irqflags.h>
#include <bora/printk.h>
#include <bora/sched.h>
#include <bora/thread.h>
#include <asm/trap.h>
#include "internal.h"
#ifdef CONFIG_IPC
#include <bora/ipc_kernel.h>
#endif

/* Each user thread's kernel stack: its traps and system calls run there. */
#define KSTACK_SIZE (4 * PAGE_SIZE)

struct trap_frame *task_user_frame(void)
{
	struct thread *self = thread_current();

	return (struct trap_frame *)(self->stack_base + self->stack_size) - 1;
}

__attribute__((optimize("omit-frame-pointer"))) void task_switch_mm(struct thread *next)
{
	/* Kernel threads run on whatever table is loaded: its kernel half is the same. */
	if (next->task)
		aspace_activate(&next->task->as);
}

/* Every user thread starts here, on its own kernel stack, and leaves for U-mode. */
static void user_thread_main(void *arg)
{
	struct task_thread_start *start = arg;
	struct thread *self = thread_current();

	self->task = start->task;
	aspace_activate(&start->task->as);
	trap_enter_user(&start->tf, self->stack_base + self->stack_size);
}

/* Add a thread running start[slot]; the caller holds no lock. */
static long add_thread(struct task *t, unsigned int slot)
{
	struct thread *th;
	unsigned long flags;
	char name[THREAD_NAME_MAX];
	int err;

	ksnprintf(name, sizeof(name), "%s.%u", t->name, slot);
	t->start[slot].task = t;
	flags = spin_lock_irqsave(&t->lock);
	t->live_threads++;
	spin_unlock_irqrestore(&t->lock, flags);
	/*
	 * On the harts its creator may run on (thread_create): address spaces
	 * take an ASID on each hart they run on and fence those harts when a
	 * mapping changes (kernel/user/uspace.c).
	 */
	err = thread_create(&th, user_thread_main, &t->start[slot], THREAD_PRIO_DEFAULT,
	                    KSTACK_SIZE, name);
	if (err) {
		flags = spin_lock_irqsave(&t->lock);
		t->live_threads--;
		spin_unlock_irqrestore(&t->lock, flags);
		return err == -EBUSY ? -EAGAIN : err;
	}
	th->task = t;
	t->threads[slot] = th;
	return (long)th->id;
}

int task_start(struct task *t)
{
	long rc;

	if (t->state != TASK_NEW)
		return -EINVAL;
	t->nr_threads = 1;
	t->state = TASK_RUNNING;
	rc = add_thread(t, 0);
	if (rc < 0) {
		t->nr_threads = 0;
		t->state = TASK_NEW;
		return (int)rc;
	}
	return 0;
}

long task_thread_create(uint64_t entry, uint64_t stack_top, uint64_t arg)
{
	struct task *t = task_current();
	unsigned long flags = spin_lock_irqsave(&t->lock);
	unsigned int slot = t->nr_threads;

	if (slot == TASK_MAX_THREADS || t->dying) {
		spin_unlock_irqrestore(&t->lock, flags);
		return -EAGAIN;
	}
	t->nr_threads++;
	spin_unlock_irqrestore(&t->lock, flags);
	task_init_user_frame(&t->start[slot].tf, entry, stack_top, arg, 0);
	return add_thread(t, slot);
}

void task_thread_leave(void)
{
	struct thread *self = thread_current();
	struct task *t = self->task;
	unsigned long flags;

#ifdef CONFIG_IPC
	ipc_thread_release(self); /* off every IPC queue before the thread goes */
#endif
	/*
	 * From here on a kernel thread on the kernel's table: a switch back to
	 * it must not load the space, which the last thread to leave frees (a
	 * preemption between that free and thread_exit ran on a freed root
	 * table: randconfig 0x86c93fb5 under host load).
	 */
	flags = arch_irq_save();
	self->task = NULL;
	aspace_activate(NULL);
	arch_irq_restore(flags);
	flags = spin_lock_irqsave(&t->lock);
	bool last = --t->live_threads == 0;

	spin_unlock_irqrestore(&t->lock, flags);
	if (last) {
		task_release_memory(t);
		t->state = TASK_ZOMBIE;
		sem_give(&t->done);
		if (t->detached)
			sem_give(&task_reaper_wake);
	}
	thread_exit();
}
