// SPDX-License-Identifier: MIT
/*
 * The kernel's environment for the IPC state machine (include/bora/ipc.h,
 * ipc_syscall.h): the IPC lock is the scheduler's lock, a blocked IPC thread
 * sleeps on a wait queue of its own, timeouts come from the scheduler, user
 * buffers go through copy_from_user/copy_to_user, interrupts through the
 * PLIC driver. Each thread that uses IPC gets a struct ipc_kthread on first
 * use, found by thread id; ipc_thread_release() ends it.
 */
#include <bora/console.h>
#include <bora/errno.h>
#include <bora/ipc_kernel.h>
#include <bora/irq.h>
#include <bora/kmalloc.h>
#include <bora/sched.h>
#include <bora/string.h>
#include <bora/uaccess.h>

/* Under the scheduler lock; a thread's entry is created by itself and freed at its end. */
struct ipc_kthread *ipc_threads[CONFIG_MAX_THREADS];

unsigned long ipc_lock(void)
{
	return sched_lock();
}

void ipc_unlock(unsigned long flags)
{
	sched_unlock(flags);
}

static struct ipc_kthread *kthread_of(struct ipc_thread *t)
{
	return container_of(t, struct ipc_kthread, ipc);
}

struct ipc_thread *ipc_thread_attach(struct thread *t, struct handle_table *table, bool kernel)
{
	struct ipc_kthread *k;
	unsigned long flags;

	if (t->id >= CONFIG_MAX_THREADS)
		return NULL;
	k = t->ipc;
	if (k) {
		/* A kernel thread may run one task after another: it acts for the current one. */
		if (k->ipc.state == IPC_IDLE)
			k->ipc.table = table;
		return &k->ipc;
	}
	k = kzalloc(sizeof(*k));
	if (!k)
		return NULL;
	ipc_thread_init(&k->ipc, table, k);
	wait_queue_init(&k->wq);
	k->thread = t;
	k->kernel = kernel;
	flags = sched_lock();
	ipc_threads[t->id] = k;
	t->ipc = k;
	sched_unlock(flags);
	return &k->ipc;
}

struct ipc_thread *ipc_thread_of(struct thread *t)
{
	struct ipc_kthread *k = ipc_kthread_of(t);

	return k ? &k->ipc : NULL;
}

void ipc_thread_release(struct thread *t)
{
	struct ipc_kthread *k = t->ipc;
	unsigned long flags;

	if (!k)
		return;
	flags = sched_lock();
	ipc_thread_exit(&k->ipc);
	ipc_threads[t->id] = NULL;
	t->ipc = NULL;
	sched_unlock(flags);
	kfree(k->staging);
	kfree(k);
}

void ipc_interrupt_threads_of(const struct handle_table *table)
{
	unsigned long flags = sched_lock();

	for (size_t i = 0; i < CONFIG_MAX_THREADS; i++) {
		struct ipc_kthread *k = ipc_threads[i];

		if (k && k->ipc.table == table && ipc_cancel(&k->ipc, -EPEERDIED))
			ipc_env_wake(&k->ipc);
	}
	sched_unlock(flags);
}

/* ---- ipc_env_* ---------------------------------------------------------------------------------
 */

void ipc_env_wake(struct ipc_thread *t)
{
	struct ipc_kthread *k = kthread_of(t);

	/* A thread whose timeout already woke it finds its result when it runs. */
	if (k->thread->state == THREAD_BLOCKED && k->thread->wait_on == &k->wq)
		sched_wake(k->thread, 0);
}

long ipc_env_block(struct ipc_thread *self, uint32_t timeout_ms, unsigned long flags)
{
	struct ipc_kthread *k = kthread_of(self);
	k_timeout_t timeout = timeout_ms == IPC_TIMEOUT_FOREVER ? FOREVER : TIMEOUT_MS(timeout_ms);
	int woke = sched_block(&k->wq, "ipc", timeout, flags);

	/*
	 * Anything but our partner's wake-up (a timeout, a timer that could not
	 * be armed): leave the queue unless the transfer won the race.
	 */
	if (woke) {
		flags = sched_lock();
		ipc_cancel(self, woke);
		sched_unlock(flags);
	}
	return self->result;
}

uint8_t *ipc_env_staging(struct ipc_thread *self)
{
	struct ipc_kthread *k = kthread_of(self);

	if (!k->staging)
		k->staging = kmalloc(IPC_BUF_MAX);
	return k->staging;
}

bool ipc_env_user_range_ok(struct ipc_thread *self, uint64_t addr, uint64_t len)
{
	if (kthread_of(self)->kernel)
		return addr + len >= addr;
	return user_range_ok(addr, len);
}

int ipc_env_copy_from_user(struct ipc_thread *self, void *dst, uint64_t src, uint32_t len)
{
	if (kthread_of(self)->kernel) {
		memcpy(dst, (const void *)src, len);
		return 0;
	}
	return copy_from_user(dst, (const void *)src, len);
}

int ipc_env_copy_to_user(struct ipc_thread *self, uint64_t dst, const void *src, uint32_t len)
{
	if (kthread_of(self)->kernel) {
		memcpy((void *)dst, src, len);
		return 0;
	}
	return copy_to_user((void *)dst, src, len);
}

/* ---- interrupts ----------------------------------------------------------------------------- */

static void irq_object_handler(void *arg)
{
	ipc_irq_fire(arg);
}

struct ipc_irq *ipc_irq_object_create(unsigned int irq, int *err)
{
	struct ipc_irq *q = ipc_irq_create(irq);

	*err = q ? irq_connect(irq, irq_object_handler, q) : -ENOMEM;
	if (*err) {
		kfree(q);
		return NULL;
	}
	return q;
}

void ipc_env_irq_detach(struct ipc_irq *q)
{
	irq_disconnect(q->irq);
#ifdef CONFIG_USER_CONSOLE_SERVER
	if (q->console)
		console_rx_reclaim();
#endif
}

void ipc_env_irq_mask(struct ipc_irq *q)
{
	irq_disable(q->irq);
}

void ipc_env_irq_unmask(struct ipc_irq *q)
{
	irq_enable(q->irq);
}
