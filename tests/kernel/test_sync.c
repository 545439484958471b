// SPDX-License-Identifier: MIT
/*
 * Synchronization objects (suite "sync"): semaphore counts and limits, the
 * order waiters wake in, destroy with waiters, and interrupt-context
 * refusals; mutexes are in test_sync_mutex.c, message queues in
 * test_sync_queue.c, stress with many threads in test_sync_stress.c. Waiting
 * threads run above main's priority so that, in either scheduling mode, a
 * thread_yield() from main lets them run up to the point where they block.
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/msgq.h>
#include <bora/mutex.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/sem.h>
#include <bora/string.h>
#include <bora/thread.h>

#include "sched_util.h"

static struct event_log sync_log;

KTEST(sync, sem_counts_limits_and_no_wait)
{
	struct sem s;

	KTEST_ASSERT_EQ(sem_init(&s, 2, 1), -EINVAL);
	KTEST_ASSERT_EQ(sem_init(&s, 0, 0), -EINVAL);
	KTEST_ASSERT_EQ(sem_init(&s, 2, 3), 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), 0);
	KTEST_ASSERT_EQ(sem_take(&s, FOREVER), 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), -EAGAIN);
	KTEST_ASSERT_EQ(sem_count(&s), 0);
	for (int i = 0; i < 3; i++)
		KTEST_ASSERT_EQ(sem_give(&s), 0);
	KTEST_ASSERT_EQ(sem_give(&s), -EOVERFLOW);
	KTEST_ASSERT_EQ(sem_count(&s), 3);
	KTEST_ASSERT_EQ(sem_destroy(&s), 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), -EINVAL);
	KTEST_ASSERT_EQ(sem_give(&s), -EINVAL);
}

struct waiter {
	struct sem *sem;
	struct event_log *log;
	int id;
	int result;
};

static void sem_waiter(void *arg)
{
	struct waiter *w = arg;

	w->result = sem_take(w->sem, FOREVER);
	if (w->result == 0)
		log_event(w->log, w->id);
}

KTEST(sync, sem_wakes_the_highest_priority_waiter_first)
{
	static const unsigned int by[] = {2, 5, 3, 5, 4};
	struct waiter w[ARRAY_SIZE(by)];
	struct thread *t[ARRAY_SIZE(by)];
	struct sem s;

	slicing_off();
	sem_init(&s, 0, 10);
	sync_log.n = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(by); i++) {
		w[i] = (struct waiter){&s, &sync_log, (int)i, 1};
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], sem_waiter, &w[i], ABOVE_MAIN(by[i]), 0, "semw"), 0);
		thread_yield();
		KTEST_ASSERT(t[i]->state == THREAD_BLOCKED);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(by); i++)
		KTEST_ASSERT_EQ(sem_give(&s), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(by); i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	/* Priority 5 above main first (FIFO among the two), then 4, 3, 2. */
	KTEST_ASSERT_EQ(sync_log.n, 5);
	KTEST_ASSERT_EQ(sync_log.ev[0], 1);
	KTEST_ASSERT_EQ(sync_log.ev[1], 3);
	KTEST_ASSERT_EQ(sync_log.ev[2], 4);
	KTEST_ASSERT_EQ(sync_log.ev[3], 2);
	KTEST_ASSERT_EQ(sync_log.ev[4], 0);
	KTEST_ASSERT_EQ(sem_count(&s), 0);
	slicing_default();
}

KTEST(sync, destroy_wakes_waiters_with_ecanceled)
{
	struct waiter w[3];
	struct thread *t[3];
	struct sem s;

	sem_init(&s, 0, 1);
	sync_log.n = 0;
	for (int i = 0; i < 3; i++) {
		w[i] = (struct waiter){&s, &sync_log, i, 1};
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], sem_waiter, &w[i], ABOVE_MAIN(2), 0, "semd"), 0);
		thread_yield();
	}
	KTEST_ASSERT_EQ(sem_destroy(&s), 3);
	for (int i = 0; i < 3; i++) {
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, -ECANCELED);
	}
	KTEST_ASSERT_EQ(sync_log.n, 0);
}

/* in_interrupt() as a handler would see it: blocking calls are refused, give works. */
KTEST(sync, interrupt_context_refuses_blocking)
{
	struct sem s;
	struct mutex m;
	struct thread *t;
	char buf[4];
	struct msgq q;
	int r_take, r_lock, r_create, r_join, r_get, r_give, r_sleep;

	sem_init(&s, 0, 2);
	mutex_init(&m, "irq");
	msgq_init(&q, buf, 4, 1);
	this_cpu()->irq_nesting++;
	r_take = sem_take(&s, FOREVER);
	r_lock = mutex_lock(&m, FOREVER);
	r_create = thread_create(&t, (void (*)(void *))0x1, NULL, 1, 0, "x");
	r_join = thread_join((struct thread *)0x1, FOREVER);
	r_get = msgq_get(&q, buf, TIMEOUT_MS(5));
	r_sleep = thread_sleep(TIMEOUT_MS(1));
	r_give = sem_give(&s);
	this_cpu()->irq_nesting--;
	KTEST_ASSERT_EQ(r_take, -EIRQCTX);
	KTEST_ASSERT_EQ(r_lock, -EIRQCTX);
	KTEST_ASSERT_EQ(r_create, -EIRQCTX);
	KTEST_ASSERT_EQ(r_join, -EIRQCTX);
	KTEST_ASSERT_EQ(r_get, -EIRQCTX);
	KTEST_ASSERT_EQ(r_sleep, -EIRQCTX);
	KTEST_ASSERT_EQ(r_give, 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), 0);
}
