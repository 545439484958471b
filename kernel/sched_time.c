// SPDX-License-Identifier: MIT
/*
 * Time in the scheduler: the wake-up of a thread whose sleep or timed wait
 * ends, and time slices. Both ride on the timeout structure (<bora/timeout.h>,
 * kernel/timeout.c); the callbacks run in the timer interrupt with interrupts
 * off, so whatever they make ready runs from sched_irq_exit().
 */
#include <bora/errno.h>
#include <bora/percpu.h>
#include <bora/sched.h>

#include "sched_internal.h"

#ifdef THREAD_HAVE_TIMEOUTS
#include <bora/timer.h>

static void wakeup_expired(struct timeout *to)
{
	struct thread *t = container_of(to, struct thread, timeout);
	unsigned long flags = sched_lock();

	if (t->state == THREAD_BLOCKED) {
		sched_wake(t, -ETIMEDOUT);
		if (t->blocked_mutex)
			mutex_waiter_left(t);
	} else if (t->state == THREAD_SLEEPING) {
		t->wait_result = 0;
		sched_enqueue(t);
	}
	sched_unlock(flags);
}

int sched_arm_wakeup(struct thread *t, k_timeout_t timeout)
{
	uint64_t us = (uint64_t)timeout.us;
	/* Round up, so the wait is never shorter than asked. */
	uint64_t ticks = (us * timer_freq() + 999999) / 1000000;

	timeout_arm(&t->timeout, timer_now() + ticks, wakeup_expired);
	return 0;
}

void sched_cancel_wakeup_armed(struct thread *t)
{
	timeout_cancel(&t->timeout);
}
#else
int sched_arm_wakeup(struct thread *t, k_timeout_t timeout)
{
	(void)t;
	(void)timeout;
	return -ENOTSUP;
}
#endif
