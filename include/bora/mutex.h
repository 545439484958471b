/* SPDX-License-Identifier: MIT */
/*
 * Mutex: one owner at a time, owner tracked, for threads only.
 *
 * Recursive locking is counted: the owner may lock again and must unlock as
 * many times. With CONFIG_MUTEX_PRIO_INHERIT the owner runs at the priority
 * of its most urgent waiter, transitively (a waiter's owner that waits for a
 * third thread's mutex raises that thread too); the raise ends when the
 * mutex is released or the waiter gives up. Unlock hands the mutex to the
 * highest-priority waiter directly, so a newcomer cannot steal it.
 *
 * Errors (negative): EINVAL the mutex was never initialised or is destroyed;
 * EAGAIN NO_WAIT and another thread owns it; ETIMEDOUT the timeout passed;
 * ECANCELED the mutex was destroyed while waiting; EDEADLK waiting would
 * close a cycle of owners; EPERM unlock by a thread that does not own it;
 * EBUSY destroy of a mutex another thread owns; EOVERFLOW recursion too deep;
 * EIRQCTX any call from an interrupt handler (a handler cannot own a mutex).
 */
#ifndef BORA_MUTEX_H
#define BORA_MUTEX_H

#include <bora/list.h>
#include <bora/types.h>
#include <bora/wait.h>

struct thread;

struct mutex {
	struct thread *owner;
	unsigned int lock_count; /* the owner's recursion depth */
	struct wait_queue waiters;
	struct list_node held_link; /* on owner->held_mutexes */
	const char *name;
	uint32_t magic;
};

int mutex_init(struct mutex *m, const char *name);
int mutex_lock(struct mutex *m, k_timeout_t timeout);
int mutex_unlock(struct mutex *m);

/*
 * Free or owned by the caller: every waiter wakes with -ECANCELED and the
 * mutex becomes unusable (-EINVAL) until mutex_init. Returns the number of
 * waiters woken; -EBUSY (nothing changes) when another thread owns it.
 */
int mutex_destroy(struct mutex *m);

/* The owner, or NULL (a snapshot). */
struct thread *mutex_owner(const struct mutex *m);

/* Under sched_lock: recompute t's effective priority from its base and its mutexes' waiters. */
void mutex_update_inherited(struct thread *t);

#endif
