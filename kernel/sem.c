// SPDX-License-Identifier: MIT
/* Counting semaphores; see <bora/sem.h>. State and waiters live under the scheduler lock. */
#include <bora/errno.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/sem.h>

#define SEM_MAGIC 0x73656d61 /* "sema" */

int sem_init(struct sem *s, unsigned int initial, unsigned int limit)
{
	if (!s || limit == 0 || initial > limit)
		return -EINVAL;
	s->count = initial;
	s->limit = limit;
	wait_queue_init(&s->waiters);
	s->magic = SEM_MAGIC;
	return 0;
}

static int __attribute__((noinline))
sem_take_slow(struct sem *s, k_timeout_t timeout, unsigned long flags)
{
	int err;

	if (s->magic != SEM_MAGIC)
		err = -EINVAL;
	else if (timeout_is_no_wait(timeout))
		err = -EAGAIN;
	else if (in_interrupt())
		err = -EIRQCTX;
	else /* a give hands its unit to us directly: nothing to decrement after waking */
		return sched_block(&s->waiters, "sem", timeout, flags);
	sched_unlock(flags);
	return err;
}

static int __attribute__((noinline)) sem_give_slow(struct sem *s, unsigned long flags)
{
	struct thread *w;
	int err;

	if (s->magic != SEM_MAGIC) {
		err = -EINVAL;
	} else if ((w = wait_queue_first(&s->waiters)) != NULL) {
		return sched_wake_unlock(w, 0, flags); /* the unit goes to w, count stays */
	} else {
		err = -EOVERFLOW;
	}
	sched_unlock(flags);
	return err;
}

/*
 * The fast paths test only count, limit and waiters: a destroyed semaphore has
 * count and limit 0 and no waiters, so it always takes the slow path, where
 * the magic is checked. Without a waiter to wake they need not look for a
 * switch on the way out.
 */
SCHED_FAST_PATH int sem_take(struct sem *s, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();

	if (likely(s->count)) {
		s->count--;
		return sched_unlock_nowake_ret(flags, 0);
	}
	return sem_take_slow(s, timeout, flags);
}

SCHED_FAST_PATH int sem_give(struct sem *s)
{
	unsigned long flags = sched_lock();

	if (likely(wait_queue_empty(&s->waiters))) {
		if (likely(s->count < s->limit)) {
			s->count++;
			return sched_unlock_nowake_ret(flags, 0);
		}
		return sem_give_slow(s, flags);
	}
	/* Waiters mean a live semaphore (destroy wakes them all): the unit goes to the first. */
	return sched_wake_unlock(wait_queue_first(&s->waiters), 0, flags);
}

unsigned int sem_count(const struct sem *s)
{
	return __atomic_load_n(&s->count, __ATOMIC_RELAXED);
}

int sem_destroy(struct sem *s)
{
	unsigned long flags = sched_lock();
	int n;

	if (s->magic != SEM_MAGIC) {
		sched_unlock(flags);
		return -EINVAL;
	}
	n = wait_queue_wake_all(&s->waiters, -ECANCELED);
	s->magic = 0;
	s->count = 0;
	s->limit = 0;
	sched_unlock(flags);
	return n;
}
