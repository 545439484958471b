// SPDX-License-Identifier: MIT
/*
 * Tests that leave a thread running on purpose (CONFIG_KTEST_LEFTOVER_THREAD,
 * behind KTEST_DELIBERATE_FAULTS): the runner must name the thread, fail the
 * test and run no test after it (tests/system/test_ktest.py). The thread
 * waits on a semaphore in the test's stack frame, the hazard the check exists
 * for: once the frame is reused, the semaphore's wait queue is garbage.
 */
#include <bora/ktest.h>
#include <bora/sem.h>
#include <bora/thread.h>

#include "sched_util.h"

#ifdef CONFIG_KTEST_LEFTOVER_THREAD

static void wait_forever(void *arg)
{
	sem_take(arg, FOREVER);
}

/*
 * A waiter on a semaphore in the caller's frame, above main's priority so
 * main's yield lets it run until it blocks.
 */
static int start_waiter(struct sem *never_given, struct thread **t)
{
	int err = sem_init(never_given, 0, 1);

	if (!err)
		err = ktest_thread_create(t, wait_forever, never_given, ABOVE_MAIN(1), 0,
		                          "left-behind");
	if (!err)
		thread_yield();
	return err;
}

KTEST(ktest_leftover, fails_leaving_a_thread_blocked)
{
	struct sem never_given;
	struct thread *t;

	KTEST_ASSERT_EQ(start_waiter(&never_given, &t), 0);
	/* The deliberate failure: the early return leaves the waiter blocked in this frame. */
	KTEST_ASSERT(t->state != THREAD_BLOCKED);
}

KTEST(ktest_leftover_pass, passes_leaving_a_thread_blocked)
{
	struct sem never_given;
	struct thread *t;

	KTEST_ASSERT_EQ(start_waiter(&never_given, &t), 0);
	KTEST_ASSERT(t->state == THREAD_BLOCKED);
}

#endif
