// SPDX-License-Identifier: MIT
/*
 * The IPC fast path for user threads: SYS_IPC_CALL and SYS_IPC_REPLY_RECV
 * in the case kernel/ipc_fastpath.c describes (the peer waits, registers
 * only, no finite timeout, a valid handle with the right, and the peer may
 * take this hart now), with the one difference that makes it cheap between
 * tasks: a user thread blocked here keeps no kernel continuation, as in seL4
 * (Heiser & Elphinstone, TOCS 2016, section 3.1, "event-based kernel").
 *
 * The entries in arch/riscv/trap_entry.S, which the syscall entry reaches
 * for these two numbers without the table, store s0-s11 in the trap frame
 * besides what every system call stores, so the frame holds all of the
 * user's registers, and pass the handle, info and words on in registers.
 * Blocking here sets the thread's switch context to ipc_user_resume_entry on
 * that frame and abandons the kernel stack above it. When the peer it hands
 * the CPU to waits the same way, the hart leaves for U-mode through the
 * peer's frame with the results in registers (a0 0, a1 info, a2-a5 words,
 * a6 badge; arch_resume_user_ret): no register save or restore beyond the
 * frames, no kernel frames unwound on the peer's side, the message never in
 * memory.
 * Otherwise (a kernel thread, or a user thread in the general path) the
 * message goes through struct ipc_thread as usual and the peer's own
 * context is loaded. A thread waiting here that anything else wakes (the
 * general path's delivery, a cancel when its task dies) starts at
 * ipc_user_resume, which finishes the call from struct ipc_thread like the
 * kernel-thread fast path's return does.
 *
 * The checks are the general path's: the handle and its right, the
 * endpoint type, the peer's priority and affinity (sched_can_handoff_busy), and
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
#include <asm/ipc_entry.h>
#include <asm/trap.h>

#include "ipc_fastpath_internal.h"
#include "sched_switch.h"

void ipc_user_resume_entry(void); /* trap_entry.S */

_Static_assert(SYS_IPC_BASE == IPC_ENTRY_SYS_BASE && SYS_IPC_CALL == IPC_ENTRY_SYS_CALL &&
                   SYS_IPC_REPLY_RECV == IPC_ENTRY_SYS_REPLY_RECV,
               "trap_entry.S dispatches these numbers itself");
_Static_assert(offsetof(struct percpu, runq_lock) == PERCPU_OFFSET_RUNQ_LOCK,
               "trap_entry.S releases the run-queue lock at PERCPU_OFFSET_RUNQ_LOCK");
_Static_assert(SWITCH_UNLOCKS == IPC_ENTRY_SWITCH_UNLOCKS,
               "arch_resume_user_ret releases the run-queue lock when arch_switch would");

/* A user thread's frame: the top of its kernel stack (kernel/user/task.c). */
static inline struct trap_frame *frame_of(const struct thread *t)
{
	return (struct trap_frame *)(t->stack_base + t->stack_size) - 1;
}

/*
 * The calling thread's IPC state, NULL before its first IPC call (the general
 * path attaches it). A thread that makes a system call is a task's own thread
 * (kernel/user/task_thread.c creates each for its task and no kernel thread
 * ever enters U-mode), so the state is a user thread's, attached by the
 * syscall layer with its task's table (kernel/syscall_ipc.c).
 */
static inline struct ipc_kthread *fast_self(const struct thread *cur)
{
	return ipc_kthread_of(cur);
}

/* The peer's frame when it waits here too and may be entered directly, else NULL. */
static inline __attribute__((always_inline)) struct trap_frame *
direct_frame(const struct ipc_kthread *pk)
{
	struct trap_frame *f = pk->user_frame;

	return f && !pk->thread->task->dying ? f : NULL;
}

/*
 * The message into the peer. Straight into its registers when it waits here
 * too (returns its frame): ret gets what block_handoff_user leaves a1-a6 with
 * (a0 = 0): the info word, the words with zeros past the count, the badge.
 * Otherwise through its struct ipc_thread (returns NULL).
 */
static inline __attribute__((always_inline)) struct trap_frame *
deliver(struct ipc_kthread *pk, uint64_t info, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
        uint64_t badge, uint64_t *ret)
{
	struct trap_frame *f = direct_frame(pk);
	uint32_t n = (uint32_t)IPC_INFO_FIELD(info, WORDS);

	if (f) {
		/*
		 * Nested, so that a full message (a reply's, typically) costs one
		 * test and a short one a test per word it leaves out.
		 */
		if (n < 4) {
			w3 = 0;
			if (n < 3) {
				w2 = 0;
				if (n < 2) {
					w1 = 0;
					if (n < 1)
						w0 = 0;
				}
			}
		}
		ret[0] = (uint64_t)n << IPC_INFO_WORDS_SHIFT;
		ret[1] = w0;
		ret[2] = w1;
		ret[3] = w2;
		ret[4] = w3;
		ret[5] = badge;
		pk->ipc.state = IPC_IDLE;
		pk->ipc.result = 0;
		pk->user_frame = NULL;
		ipc_fastpath_stats.user_entries++;
	} else {
		const uint64_t a[6] = {0, info, w0, w1, w2, w3};

		fast_deliver(&pk->ipc, a, badge);
	}
	return f;
}

/* With the scheduler lock held: wait without a continuation and run next. */
static inline __attribute__((always_inline, noreturn)) void
block_and_switch(struct ipc_kthread *k, struct trap_frame *tf, struct thread *next,
                 struct trap_frame *next_frame, const uint64_t *ret)
{
	struct thread *cur = k->thread;

	k->user_frame = tf;
	cur->ctx.ra = (uintptr_t)ipc_user_resume_entry;
	cur->ctx.sp = (uintptr_t)tf;
	cur->ctx.s[0] = 0; /* ends a backtrace there */
	block_handoff_user(&k->wq, "ipc", next, next_frame, ret);
}

/*
 * From ipc_user_call_entry (trap_entry.S): info, w0-w3 and h are the user's
 * a1-a5 and a0, also in tf with every other user register.
 */
SCHED_FAST_PATH long ipc_user_call(struct trap_frame *tf, uint64_t info, uint64_t w0, uint64_t w1,
                                   uint64_t w2, uint64_t w3, uint64_t h)
{
	struct thread *cur = this_cpu()->current;
	struct ipc_kthread *k = fast_self(cur), *rk;
	const struct handle *slot;
	struct ipc_endpoint *ep;
	struct ipc_thread *self, *receiver;
	struct thread *next;

	if (!k || !fast_info(info, false))
		return ipc_syscall_general(tf);
	self = &k->ipc;
	sched_spin_lock(&sched_spinlock); /* interrupts are off in a system call */
	slot = fast_endpoint(self->table, h, IPC_RIGHT_SEND);
	if (!slot)
		goto slow;
	ep = container_of(slot->obj, struct ipc_endpoint, obj);
	receiver = ep->receivers.head;
	if (!receiver || !(next = fast_user_peer(receiver)))
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
	uint64_t ret[6] = {0}; /* set when nf is */
	struct trap_frame *nf = deliver(rk, info, w0, w1, w2, w3, slot->badge, ret);

	receiver->reply_to = self;
	receiver->reply_lost = false;
	self->replier = receiver;
	self->call = true;
	self->grant_back = (slot->rights & IPC_RIGHT_GRANT) != 0;
	self->state = IPC_REPLY_BLOCKED;
	block_and_switch(k, tf, next, nf, ret);
slow:
	sched_spin_unlock(&sched_spinlock);
	return ipc_syscall_general(tf);
}

/* From ipc_user_reply_recv_entry, as ipc_user_call. */
SCHED_FAST_PATH long ipc_user_reply_recv(struct trap_frame *tf, uint64_t info, uint64_t w0,
                                         uint64_t w1, uint64_t w2, uint64_t w3, uint64_t h)
{
	struct thread *cur = this_cpu()->current;
	struct ipc_kthread *k = fast_self(cur), *ck;
	struct ipc_thread *self, *caller;
	const struct handle *slot;
	struct ipc_endpoint *ep;
	struct thread *next;

	if (!k || !fast_info(info, true))
		return ipc_syscall_general(tf);
	self = &k->ipc;
	sched_spin_lock(&sched_spinlock);
	caller = self->reply_to;
	if (!caller || !(next = fast_user_peer(caller)))
		goto slow;
	slot = fast_endpoint(self->table, h, IPC_RIGHT_RECV);
	if (!slot)
		goto slow;
	ep = container_of(slot->obj, struct ipc_endpoint, obj);
	if (ep->senders.head || !ep->send_handles)
		goto slow;
	ck = container_of(caller, struct ipc_kthread, ipc);

	self->reply_to = NULL;
	caller->replier = NULL;
	uint64_t ret[6] = {0}; /* set when nf is */
	struct trap_frame *nf = deliver(ck, info, w0, w1, w2, w3, 0, ret);

	self->reply_result = 0;
	self->buf = NULL;
	self->buf_cap = 0;
	self->state = IPC_RECV_BLOCKED;
	ipc_queue_push(&ep->receivers, self);
	block_and_switch(k, tf, next, nf, ret);
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
