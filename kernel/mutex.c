// SPDX-License-Identifier: MIT
/*
 * Mutexes with owner tracking and (CONFIG_MUTEX_PRIO_INHERIT) transitive
 * priority inheritance: the basic inheritance protocol of Sha, Rajkumar and
 * Lehoczky, "Priority Inheritance Protocols: An Approach to Real-Time
 * Synchronization" (IEEE Trans. Computers 39(9), 1990). Everything runs under
 * the scheduler lock; see <bora/mutex.h> for the semantics.
 */
#include <bora/errno.h>
#include <bora/mutex.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/thread.h>

#include "sched_internal.h"

#define MUTEX_MAGIC 0x6d757478 /* "mutx" */

#ifdef CONFIG_MUTEX_PRIO_INHERIT
#define PRIO_INHERIT 1
#else
#define PRIO_INHERIT 0
#endif

int mutex_init(struct mutex *m, const char *name)
{
	if (!m)
		return -EINVAL;
	m->owner = NULL;
	m->lock_count = 0;
	wait_queue_init(&m->waiters);
	list_init(&m->held_link);
	m->name = name ? name : "mutex";
	m->magic = MUTEX_MAGIC;
	return 0;
}

struct thread *mutex_owner(const struct mutex *m)
{
	return __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
}

/* The priority t should run at: its base, or its most urgent waiter's if higher. */
static unsigned int inherited_prio(const struct thread *t)
{
	unsigned int p = t->base_prio;
	const struct list_node *pos;

	if (!PRIO_INHERIT)
		return p;
	list_for_each(pos, &t->held_mutexes)
	{
		const struct mutex *m = list_entry(pos, struct mutex, held_link);
		const struct thread *w = wait_queue_first(&m->waiters);

		if (w && w->rq_node.prio < p)
			p = w->rq_node.prio;
	}
	return p;
}

void mutex_update_inherited(struct thread *t)
{
	/* Down the chain of owners while priorities change; a chain is at most every thread. */
	for (int depth = 0; t && depth < CONFIG_MAX_THREADS; depth++) {
		unsigned int p = inherited_prio(t);

		if (p == t->rq_node.prio)
			return;
		sched_set_effective_prio(t, p);
		t = (t->state == THREAD_BLOCKED && t->blocked_mutex) ? t->blocked_mutex->owner
		                                                     : NULL;
	}
}

void mutex_waiter_left(struct thread *t)
{
	struct mutex *m = t->blocked_mutex;

	t->blocked_mutex = NULL;
	if (m && m->owner)
		mutex_update_inherited(m->owner);
}

static void take_ownership(struct mutex *m, struct thread *t)
{
	m->owner = t;
	m->lock_count = 1;
	list_add_tail(&t->held_mutexes, &m->held_link);
}

/* Would cur waiting for m close a cycle (m's owner waits, through owners, for cur)? */
static bool closes_cycle(const struct mutex *m, const struct thread *cur)
{
	const struct thread *o = m->owner;

	for (int depth = 0; o && depth < CONFIG_MAX_THREADS; depth++) {
		if (o == cur)
			return true;
		if (o->state != THREAD_BLOCKED || !o->blocked_mutex)
			return false;
		o = o->blocked_mutex->owner;
	}
	return false;
}

int mutex_lock(struct mutex *m, k_timeout_t timeout)
{
	struct thread *cur;
	unsigned long flags;
	int err;

	if (in_interrupt())
		return -EIRQCTX;
	if (!m)
		return -EINVAL;
	cur = thread_current();
	flags = sched_lock();
	if (m->magic != MUTEX_MAGIC) {
		err = -EINVAL;
	} else if (!m->owner) {
		take_ownership(m, cur);
		err = 0;
	} else if (m->owner == cur) {
		err = m->lock_count == UINT32_MAX ? -EOVERFLOW : 0;
		if (!err)
			m->lock_count++;
	} else if (timeout_is_no_wait(timeout)) {
		err = -EAGAIN;
	} else if (closes_cycle(m, cur)) {
		err = -EDEADLK;
	} else {
		cur->blocked_mutex = m;
		if (PRIO_INHERIT && cur->rq_node.prio < m->owner->rq_node.prio) {
			/* Raise the owner (and whoever it waits for) to cur's priority. */
			struct thread *o = m->owner;

			for (int depth = 0; o && depth < CONFIG_MAX_THREADS; depth++) {
				if (o->rq_node.prio <= cur->rq_node.prio)
					break;
				sched_set_effective_prio(o, cur->rq_node.prio);
				o = (o->state == THREAD_BLOCKED && o->blocked_mutex)
				        ? o->blocked_mutex->owner
				        : NULL;
			}
		}
		/* On success unlock has handed the mutex over: owner, count, held list. */
		err = sched_block(&m->waiters, "mutex", timeout, flags);
		if (err && cur->blocked_mutex) {
			/* Not queued after all (the timeout could not be armed): undo the raise. */
			flags = sched_lock();
			mutex_waiter_left(cur);
			sched_unlock(flags);
		}
		return err;
	}
	sched_unlock(flags);
	return err;
}

int mutex_unlock(struct mutex *m)
{
	struct thread *cur, *next;
	unsigned long flags;
	int err = 0;

	if (in_interrupt())
		return -EIRQCTX;
	if (!m)
		return -EINVAL;
	cur = thread_current();
	flags = sched_lock();
	if (m->magic != MUTEX_MAGIC) {
		err = -EINVAL;
	} else if (m->owner != cur) {
		err = -EPERM;
	} else if (--m->lock_count == 0) {
		list_del(&m->held_link);
		m->owner = NULL;
		next = wait_queue_first(&m->waiters);
		if (next) {
			next->blocked_mutex = NULL;
			take_ownership(m, next);
			sched_wake(next, 0);
			mutex_update_inherited(next);
		}
		mutex_update_inherited(cur);
	}
	sched_unlock(flags);
	return err;
}

int mutex_destroy(struct mutex *m)
{
	struct thread *cur, *w;
	unsigned long flags;
	int n = 0;

	if (in_interrupt())
		return -EIRQCTX;
	if (!m)
		return -EINVAL;
	cur = thread_current();
	flags = sched_lock();
	if (m->magic != MUTEX_MAGIC) {
		n = -EINVAL;
	} else if (m->owner && m->owner != cur) {
		n = -EBUSY;
	} else {
		if (m->owner) {
			list_del(&m->held_link);
			m->owner = NULL;
		}
		while ((w = wait_queue_first(&m->waiters)) != NULL) {
			w->blocked_mutex = NULL;
			sched_wake(w, -ECANCELED);
			n++;
		}
		m->magic = 0;
		mutex_update_inherited(cur);
	}
	sched_unlock(flags);
	return n;
}
