/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the scheduler and synchronization suites: an event log
 * threads append to, and a way to make the ktest thread ("main") the lowest
 * or highest priority for a while. Both suites run in main at
 * THREAD_PRIO_DEFAULT and leave it there.
 */
#ifndef TESTS_KERNEL_SCHED_UTIL_H
#define TESTS_KERNEL_SCHED_UTIL_H

#include <bora/sched.h>
#include <bora/thread.h>

#ifdef CONFIG_PREEMPT
#define TEST_PREEMPT 1
#else
#define TEST_PREEMPT 0
#endif
#ifdef CONFIG_MUTEX_PRIO_INHERIT
#define TEST_PRIO_INHERIT 1
#else
#define TEST_PRIO_INHERIT 0
#endif

/*
 * Tests that check the order of equal-priority threads turn time slicing off:
 * a slice that ends (in real time, on a busy host) would legitimately
 * reorder them. The default comes back at the end of the test.
 */
static inline void slicing_off(void)
{
	sched_set_timeslice_ms(0);
}

static inline void slicing_default(void)
{
#ifdef CONFIG_TIMESLICE_MS
	sched_set_timeslice_ms(CONFIG_TIMESLICE_MS);
#endif
}

#define LOG_MAX 64

struct event_log {
	int n;
	int ev[LOG_MAX];
};

static inline void log_event(struct event_log *log, int ev)
{
	if (log->n < LOG_MAX)
		log->ev[log->n++] = ev;
}

/* Priorities relative to main; NUM_PRIORITIES >= 16 leaves 8 above and 7 below (idle's included).
 */
#define ABOVE_MAIN(by) (THREAD_PRIO_DEFAULT - (by))
#define BELOW_MAIN(by) (THREAD_PRIO_DEFAULT + (by))
_Static_assert(THREAD_PRIO_DEFAULT >= 8 && THREAD_PRIO_DEFAULT + 7 <= THREAD_PRIO_LOWEST,
               "the suites need 8 priorities above main and 7 below it");

#endif
