// SPDX-License-Identifier: MIT
/*
 * The IPC fast path for user threads: SYS_IPC_CALL and SYS_IPC_REPLY_RECV
 * in the case kernel/ipc_fastpath.c describes (the peer waits, registers
 * only, no finite timeout, a valid handle with the right, and the peer may
 * take this hart now), with the one difference that makes it cheap between
 * tasks: a user thread blocked here keeps no kernel continuation, as in seL4
 * (Heiser & Elphinstone, TOCS 2016, section 3.1, "event-based kernel").
 *
 * The entries in arch/riscv/trap_entry.S store s0-s11 in the trap frame
 * besides what every system call stores, so the frame holds all of the
 * user's registers. Blocking here sets the thread's switch context to
 * ipc_user_resume_entry on that frame and abandons the kernel stack above
 * it. When the peer it hands the CPU to waits the same way, the result goes
 * straight into the peer's frame (a0 result, a1 info, a2-a5 words, a6
 * badge) and the hart leaves for U-mode through it: no register save or
 * restore beyond the frames, no kernel frames unwound on the peer's side.
 * Otherwise (a kernel thread, or a user thread in the general path) the
 * message goes through struct ipc_thread as usual and the peer's own
 * context is loaded. A thread waiting here that anything else wakes (the
 * general path's delivery, a cancel when its task dies) starts at
 * ipc_user_resume, which finishes the call from struct ipc_thread like the
 * kernel-thread fast path's return does.
 *
 * The checks are the general path's: the handle and its right, the
 * endpoint type, the peer's priority and affinity (sched_can_handoff), and
 * a peer whose task is dying is never entered directly (it leaves through
 * ipc_user_resume, which ends it).
 */
/* The ready queue's code, inline, for the hand-off (see <bora/sched_queue.h>). */
#define RUNQ_API static inline __attribute__((unused))
#include <bora/errno.h>
#include <bora/ipc_fastpath.h>
#include <bora/ipc_kernel.h>
#include <bora/sched.h>
#include <bora/syscall_ipc.h>
#include <bora/task.h>
#include <asm/trap.h>

#include "ipc_fastpath_internal.h"
#include "sched_switch.h"

void ipc_user_resume_entry(void); /* trap_entry.S */

/* A user thread's frame: the top of its kernel stack (kernel/user/task.c). */
static inline struct trap_frame *frame_of(const struct thread *t)
{
	return (struct trap_frame *)(t->stack_base + t->stack_size) - 1;
}

/* The calling thread's IPC state if it may take the fast path: a user thread acting for its task.
 */
static inline struct ipc_kthread *fast_self(const struct thread *cur)
{
	struct ipc_kthread *k = ipc_kthread_of(cur);

	/* struct ipc_task begins with the table (kernel/syscall_ipc.c). */
	if (!k || k->kernel || !cur->task || (const void *)k->ipc.table != cur->task->handles)
		return NULL;
	return k;
}

/* The peer's frame when it waits here too and may be entered directly, else NULL. */
static inline __attribute__((always_inline)) struct trap_frame *
direct_frame(const struct ipc_kthread *pk)
{
	struct trap_frame *f = pk->user_frame;

	return f && !pk->thread->task->dying ? f : NULL;
}

/* A received register message straight into a waiting peer's frame (see fast_deliver). */
static inline void deliver_to_frame(struct ipc_kthread *pk, struct trap_frame *f, const uint64_t *a,
                                    uint64_t badge)
{
	uint32_t n = (uint32_t)IPC_INFO_FIELD(a[1], WORDS);

	f->regs[10] = 0;
	f->regs[11] = (uint64_t)n << IPC_INFO_WORDS_SHIFT;
	f->regs[12] = n > 0 ? a[2] : 0;
	f->regs[13] = n > 1 ? a[3] : 0;
	f->regs[14] = n > 2 ? a[4] : 0;
	f->regs[15] = n > 3 ? a[5] : 0;
	f->regs[16] = badge;
	pk->ipc.state = IPC_IDLE;
	pk->ipc.result = 0;
	pk->user_frame = NULL;
}

/* Either way into the peer; returns the frame to enter or NULL. */
static inline __attribute__((always_inline)) struct trap_frame *
deliver(struct ipc_kthread *pk, const uint64_t *a, uint64_t badge)
{
	struct trap_frame *f = direct_frame(pk);

	if (f) {
		deliver_to_frame(pk, f, a, badge);
		ipc_fastpath_stats.user_entries++;
	} else
		fast_deliver(&pk->ipc, a, badge);
	return f;
}

/* With the scheduler lock held: wait without a continuation and run next. */
static inline __attribute__((always_inline, noreturn)) void
block_and_switch(struct ipc_kthread *k, struct trap_frame *tf, struct thread *next,
                 struct trap_frame *next_frame)
{
	struct thread *cur = k->thread;

	k->user_frame = tf;
	cur->ctx.ra = (uintptr_t)ipc_user_resume_entry;
	cur->ctx.sp = (uintptr_t)tf;
	cur->ctx.s[0] = 0; /* ends a backtrace there */
	block_handoff_user(&k->wq, "ipc", next, next_frame);
}

SCHED_FAST_PATH long ipc_user_call(struct trap_frame *tf)
{
	uint64_t *a = &tf->regs[10];
	struct thread *cur = this_cpu()->current;
	struct ipc_kthread *k = fast_self(cur), *rk;
	const struct handle *slot;
	struct ipc_endpoint *ep;
	struct ipc_thread *self, *receiver;
	struct thread *next;

	if (!k || !fast_info(a[1], false))
		return ipc_syscall_general(tf);
	self = &k->ipc;
	sched_spin_lock(&sched_spinlock); /* interrupts are off in a system call */
	slot = fast_endpoint(self->table, a[0], IPC_RIGHT_SEND);
	if (!slot)
		goto slow;
	ep = container_of(slot->obj, struct ipc_endpoint, obj);
	receiver = ep->receivers.head;
	if (!receiver || !(next = fast_peer(receiver)))
		goto slow;
	rk = container_of(receiver, struct ipc_kthread, ipc);

	/* Off the head of the receivers' queue. */
	ep->receivers.head = receiver->qnext;
	if (receiver->qnext)
		receiver->qnext->qprev = NULL;
	else
		ep->receivers.tail = NULL;
	receiver->qnext = NULL;
	receiver->queue = NULL;
	struct trap_frame *nf = deliver(rk, a, slot->badge);

	receiver->reply_to = self;
	receiver->reply_lost = false;
	self->replier = receiver;
	self->call = true;
	self->grant_back = (slot->rights & IPC_RIGHT_GRANT) != 0;
	self->state = IPC_REPLY_BLOCKED;
	ipc_fastpath_stats.calls++;
	block_and_switch(k, tf, next, nf);
slow:
	sched_spin_unlock(&sched_spinlock);
	return ipc_syscall_general(tf);
}

SCHED_FAST_PATH long ipc_user_reply_recv(struct trap_frame *tf)
{
	uint64_t *a = &tf->regs[10];
	struct thread *cur = this_cpu()->current;
	struct ipc_kthread *k = fast_self(cur), *ck;
	struct ipc_thread *self, *caller;
	const struct handle *slot;
	struct ipc_endpoint *ep;
	struct thread *next;

	if (!k || !fast_info(a[1], true))
		return ipc_syscall_general(tf);
	self = &k->ipc;
	sched_spin_lock(&sched_spinlock);
	caller = self->reply_to;
	if (!caller || !(next = fast_peer(caller)))
		goto slow;
	slot = fast_endpoint(self->table, a[0], IPC_RIGHT_RECV);
	if (!slot)
		goto slow;
	ep = container_of(slot->obj, struct ipc_endpoint, obj);
	if (ep->senders.head || !ep->send_handles)
		goto slow;
	ck = container_of(caller, struct ipc_kthread, ipc);

	self->reply_to = NULL;
	caller->replier = NULL;
	struct trap_frame *nf = deliver(ck, a, 0);

	self->reply_result = 0;
	self->buf = NULL;
	self->buf_cap = 0;
	self->state = IPC_RECV_BLOCKED;
	ipc_queue_push(&ep->receivers, self);
	ipc_fastpath_stats.reply_recvs++;
	block_and_switch(k, tf, next, nf);
slow:
	sched_spin_unlock(&sched_spinlock);
	return ipc_syscall_general(tf);
}

/*
 * From ipc_user_resume_entry, in a thread that waited in one of the above and
 * was woken by anything but a direct entry: sp is at its frame, interrupts
 * off. The call's results go into the frame; returns a0.
 */
long ipc_user_resume(struct thread *prev)
{
	struct thread *cur;
	struct ipc_kthread *k;
	long ret;

	sched_finish_switch(prev);
	cur = this_cpu()->current;
	k = ipc_kthread_of(cur);
	k->user_frame = NULL;
	__atomic_fetch_add(&ipc_fastpath_stats.user_resumes, 1, __ATOMIC_RELAXED);
	ret = fast_return(&k->ipc, &frame_of(cur)->regs[10], cur->wait_result);
	if (ret)
		task_check_dying();
	return ret;
}
