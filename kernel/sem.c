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

int sem_take(struct sem *s, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();
	int err;

	if (likely(s->magic == SEM_MAGIC && s->count)) {
		s->count--;
		sched_unlock(flags);
		return 0;
	}
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

int sem_give(struct sem *s)
{
	unsigned long flags = sched_lock();
	struct thread *w;
	int err = 0;

	if (unlikely(s->magic != SEM_MAGIC))
		err = -EINVAL;
	else if ((w = wait_queue_first(&s->waiters)) != NULL)
		sched_wake(w, 0);
	else if (s->count < s->limit)
		s->count++;
	else
		err = -EOVERFLOW;
	sched_unlock(flags);
	return err;
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
	sched_unlock(flags);
	return n;
}
