// SPDX-License-Identifier: MIT
/*
 * The IPC fast path: call and reply_recv in the common case of a client/server
 * round trip, after seL4's fastpath idea (Heiser & Elphinstone, "L4
 * Microkernels: The Lessons from 20 Years of Research and Deployment", TOCS
 * 2016, section 3.2). The case it takes:
 *
 *   call:        a receiver already waits on the endpoint;
 *   reply_recv:  the caller we owe a reply waits for it, and no sender is
 *                queued (so we are going to block on the receive);
 *   both:        registers only (no buffer, no grant), no finite timeout, a
 *                valid handle with the right, and the peer may run here now
 *                (sched_can_handoff: this hart, at least our priority).
 *
 * It then does what the general path (kernel/ipc_endpoint.c) would do — the
 * same queue, reply-capability and message state, so either path may pick up
 * after the other — but without decoding a buffer or a grant, without waking
 * the peer through the run queue: block_handoff() (kernel/sched_switch.h) switches straight to
 * it, and the peer leaves its own wait through whichever path it blocked in.
 * Anything else, at any check, goes to the general path with nothing changed.
 *
 * `a` is a0..a7 as the syscall left them in the trap frame (a kernel thread
 * passes its own array): handle, info, words; the results are written back in
 * place, a0 is returned.
 */
/* The ready queue's code, inline, for the hand-off (see <bora/sched_queue.h>). */
#define RUNQ_API static inline __attribute__((unused))
#include <bora/errno.h>
#include <bora/ipc_fastpath.h>
#include <bora/ipc_kernel.h>
#include <bora/sched.h>

#include "ipc_fastpath_internal.h"
#include "sched_switch.h"

struct ipc_fastpath_stats ipc_fastpath_stats; /* under the scheduler lock */
static long general_path(struct ipc_thread *self, unsigned long nr, uint64_t *a)
{
	return ipc_syscall(self, nr, (struct ipc_regs *)a);
}

/*
 * The message into a sleeping peer: straight into its registers when it
 * waits in this fast path (what fast_return would write there: result 0, the
 * info word, four words with zeros past the count, the badge), else through
 * its struct ipc_thread.
 */
static inline __attribute__((always_inline)) void deliver(struct ipc_thread *to, const uint64_t *a,
                                                          uint64_t badge)
{
	struct ipc_kthread *pk = container_of(to, struct ipc_kthread, ipc);
	uint64_t *r = pk->fast_regs;
	uint32_t n = (uint32_t)IPC_INFO_FIELD(a[1], WORDS);

	if (!r) {
		fast_deliver(to, a, badge);
		return;
	}
	r[0] = 0;
	r[1] = (uint64_t)n << IPC_INFO_WORDS_SHIFT;
	r[2] = n > 0 ? a[2] : 0;
	r[3] = n > 1 ? a[3] : 0;
	r[4] = n > 2 ? a[4] : 0;
	r[5] = n > 3 ? a[5] : 0;
	r[6] = badge;
	to->state = IPC_IDLE;
	to->result = 0;
	pk->fast_regs = NULL;
}

/* Block in the hand-off to next; back with the result in a[] (see deliver). */
static inline __attribute__((always_inline)) long
wait_handoff(struct ipc_kthread *k, uint64_t *a, struct thread *next, unsigned long flags)
{
	int woke;

	k->fast_regs = a;
	woke = block_handoff(&k->wq, "ipc", next, flags);
	if (likely(!k->fast_regs))
		return 0; /* a fast-path peer wrote a[] */
	k->fast_regs = NULL;
	return fast_return(&k->ipc, a, woke);
}

SCHED_FAST_PATH long ipc_fastpath_call(struct ipc_thread *self, uint64_t *a)
{
	struct ipc_kthread *k = container_of(self, struct ipc_kthread, ipc);
	const struct handle *slot;
	struct ipc_endpoint *ep;
	struct ipc_thread *receiver;
	struct thread *next;
	unsigned long flags;

	if (!fast_info(a[1], false))
		return general_path(self, SYS_IPC_CALL, a);
	flags = sched_lock();
	slot = fast_endpoint(self->table, a[0], IPC_RIGHT_SEND);
	if (!slot)
		goto slow;
	ep = container_of(slot->obj, struct ipc_endpoint, obj);
	receiver = ep->receivers.head;
	if (!receiver || !(next = fast_peer(receiver)))
		goto slow;

	/* Off the head of the receivers' queue. */
	ep->receivers.head = receiver->qnext;
	if (receiver->qnext)
		receiver->qnext->qprev = NULL;
	else
		ep->receivers.tail = NULL;
	receiver->qnext = NULL;
	receiver->queue = NULL;
	deliver(receiver, a, slot->badge);
	receiver->reply_to = self;
	receiver->reply_lost = false;
	self->replier = receiver;
	self->call = true;
	self->grant_back = (slot->rights & IPC_RIGHT_GRANT) != 0;
	self->state = IPC_REPLY_BLOCKED;
	ipc_fastpath_stats.calls++;
	return wait_handoff(k, a, next, flags);
slow:
	sched_unlock(flags);
	return general_path(self, SYS_IPC_CALL, a);
}

SCHED_FAST_PATH long ipc_fastpath_reply_recv(struct ipc_thread *self, uint64_t *a)
{
	struct ipc_kthread *k = container_of(self, struct ipc_kthread, ipc);
	struct ipc_thread *caller;
	const struct handle *slot;
	struct ipc_endpoint *ep;
	struct thread *next;
	unsigned long flags;

	if (!fast_info(a[1], true))
		return general_path(self, SYS_IPC_REPLY_RECV, a);
	flags = sched_lock();
	caller = self->reply_to;
	if (!caller || !(next = fast_peer(caller)))
		goto slow;
	slot = fast_endpoint(self->table, a[0], IPC_RIGHT_RECV);
	if (!slot)
		goto slow;
	ep = container_of(slot->obj, struct ipc_endpoint, obj);
	if (ep->senders.head || !ep->send_handles)
		goto slow;

	self->reply_to = NULL;
	caller->replier = NULL;
	deliver(caller, a, 0);
	self->reply_result = 0;
	self->buf = NULL;
	self->buf_cap = 0;
	self->state = IPC_RECV_BLOCKED;
	ipc_queue_push(&ep->receivers, self);
	ipc_fastpath_stats.reply_recvs++;
	return wait_handoff(k, a, next, flags);
slow:
	sched_unlock(flags);
	return general_path(self, SYS_IPC_REPLY_RECV, a);
}
