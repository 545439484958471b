/* SPDX-License-Identifier: MIT */
/*
 * IPC inside the kernel (kernel/ipc.c): the per-thread IPC state of kernel
 * and user threads, and the objects the kernel makes for user-mode drivers.
 */
#ifndef BORA_IPC_KERNEL_H
#define BORA_IPC_KERNEL_H

#include <bora/ipc_syscall.h>
#include <bora/thread.h>

struct trap_frame;

struct ipc_kthread {
	struct ipc_thread ipc;
	struct wait_queue wq; /* only this thread ever sleeps on it */
	struct thread *thread;
	uint8_t *staging; /* IPC_BUF_MAX bytes, allocated on first buffer use */
	bool kernel;      /* a kernel thread: its "user" buffers are kernel memory */
	/*
	 * A user thread blocked in the user fast path, which keeps no kernel
	 * continuation (kernel/ipc_fastpath_user.c): its trap frame, which
	 * holds every user register. Set and read under the scheduler lock while
	 * it waits; cleared by a peer that enters it, else by the thread itself
	 * when it resumes.
	 */
	struct trap_frame *user_frame;
	/*
	 * A kernel thread blocked in the kernel fast path (kernel/ipc_fastpath.c):
	 * its register array, into which a fast-path peer that hands it the CPU
	 * writes the result and message directly, clearing this. Set before it
	 * blocks and cleared by that peer under the scheduler lock; if it is still
	 * set when the thread resumes, another path ended the wait and the thread
	 * clears it itself.
	 */
	uint64_t *fast_regs;
};

/*
 * By thread id, for walks over every thread's state; struct thread.ipc is the
 * same pointer. Both set and cleared under the scheduler lock (kernel/ipc.c).
 */
extern struct ipc_kthread *ipc_threads[CONFIG_MAX_THREADS];

/* t's IPC state with its environment, or NULL: one load (the fast paths' entry). */
static inline struct ipc_kthread *ipc_kthread_of(const struct thread *t)
{
	return t->ipc;
}

/*
 * The IPC state of thread t, created on first use with `table` as its task's
 * handles. kernel: buffers are kernel addresses (in-kernel tests and
 * benchmarks). NULL when out of memory.
 */
struct ipc_thread *ipc_thread_attach(struct thread *t, struct handle_table *table, bool kernel);
/* t's IPC state, or NULL. */
struct ipc_thread *ipc_thread_of(struct thread *t);
/*
 * t is going away (before its struct is freed): leave every queue, fail the
 * caller it owes a reply, free its state. Safe for a thread that never used IPC.
 */
void ipc_thread_release(struct thread *t);

/* Cancel the IPC wait of every thread acting for `table` and wake it (a dying task). */
void ipc_interrupt_threads_of(const struct handle_table *table);

/* An interrupt object for source irq with its handler connected and the source masked. */
struct ipc_irq *ipc_irq_object_create(unsigned int irq, int *err);

#endif
