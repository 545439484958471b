/* SPDX-License-Identifier: MIT */
/*
 * The checks and message moves both IPC fast paths share (kernel/ipc_fastpath.c
 * for kernel threads, kernel/ipc_fastpath_user.c for user threads). Not an
 * interface.
 */
#ifndef KERNEL_IPC_FASTPATH_INTERNAL_H
#define KERNEL_IPC_FASTPATH_INTERNAL_H

#include <bora/ipc_fastpath.h>
#include <bora/ipc_kernel.h>
#include <bora/sched.h>

/*
 * Words and a timeout, nothing else; `receive_too` also rules out NO_WAIT.
 * The timeout is the top field and the word count the bottom one, so every
 * bit between must be clear: what lies below the timeout, taken as a number,
 * is the count itself and at most the configuration's.
 */
static inline bool fast_info(uint64_t info, bool receive_too)
{
	uint64_t tmo = info >> IPC_INFO_TMO_SHIFT;

	_Static_assert(IPC_INFO_WORDS_SHIFT == 0 &&
	                   IPC_INFO_TMO_MASK == ~0ull >> IPC_INFO_TMO_SHIFT,
	               "words at the bottom of the info word, the timeout at its top");
	return (info << (64 - IPC_INFO_TMO_SHIFT)) <= (uint64_t)CONFIG_IPC_MSG_WORDS
	                                                  << (64 - IPC_INFO_TMO_SHIFT) &&
	       (tmo == IPC_TIMEOUT_FOREVER || (tmo == IPC_TIMEOUT_NO_WAIT && !receive_too));
}

static inline const struct handle *fast_endpoint(const struct handle_table *t, uint64_t h,
                                                 uint32_t right)
{
	const struct handle *slot;

	if (h >= t->size)
		return NULL;
	slot = &t->slots[h];
	if (!slot->obj || slot->obj->type != KOBJ_ENDPOINT || !(slot->rights & right))
		return NULL;
	return slot;
}

/* The peer may take the CPU from us directly: it sleeps on its own queue and may run here. */
static inline struct thread *fast_peer(struct ipc_thread *peer)
{
	struct ipc_kthread *k = container_of(peer, struct ipc_kthread, ipc);

	if (k->thread->wait_on != &k->wq || !sched_can_handoff(k->thread))
		return NULL;
	return k->thread;
}

/* fast_peer for a caller in a system call, which is never the idle thread. */
static inline struct thread *fast_user_peer(struct ipc_thread *peer)
{
	struct ipc_kthread *k = container_of(peer, struct ipc_kthread, ipc);

	if (k->thread->wait_on != &k->wq || !sched_can_handoff_busy(k->thread))
		return NULL;
	return k->thread;
}

/*
 * The register message (a[1] words a[2..]) into a sleeping peer, which wakes
 * with 0. All four words are copied, those beyond the count as zeros, so no
 * branch per word and nothing of the sender's other registers leaks.
 */
static inline __attribute__((always_inline)) void fast_deliver(struct ipc_thread *to,
                                                               const uint64_t *a, uint64_t badge)
{
	struct ipc_msg *m = &to->msg;
	uint32_t n = (uint32_t)IPC_INFO_FIELD(a[1], WORDS);

	_Static_assert(IPC_MSG_WORDS_MAX == 4, "four message registers");
	m->nwords = n;
	m->words[0] = n > 0 ? a[2] : 0;
	m->words[1] = n > 1 ? a[3] : 0;
	m->words[2] = n > 2 ? a[4] : 0;
	m->words[3] = n > 3 ? a[5] : 0;
	m->len = 0;
	m->badge = badge;
	m->handle = -1;
	m->rights = 0;
	m->flags = 0;
	to->state = IPC_IDLE;
	to->result = 0;
}

/* Back from the hand-off: what arrived goes to the registers. */
static inline long fast_return(struct ipc_thread *self, uint64_t *a, int woke)
{
	long ret;

	if (woke) { /* not our partner's wake-up (see ipc_env_block) */
		unsigned long flags = sched_lock();

		ipc_cancel(self, woke);
		sched_unlock(flags);
	}
	ret = self->result;
	if (ret == 0) {
		const struct ipc_msg *m = &self->msg;

		/* A message from the general path may carry more than words. */
		if (likely(!m->len && m->handle < 0 && !m->flags))
			a[1] = (uint64_t)m->nwords << IPC_INFO_WORDS_SHIFT;
		else
			a[1] = ipc_info_received(m);
		a[2] = m->words[0];
		a[3] = m->words[1];
		a[4] = m->words[2];
		a[5] = m->words[3];
		a[6] = m->badge;
	}
	a[0] = (uint64_t)ret;
	return ret;
}

#endif
