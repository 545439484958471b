// SPDX-License-Identifier: MIT
/*
 * The scheduler against the clock (suite "sched_time"): sleep and timed
 * waits, preemption on the return from the timer interrupt (or none when
 * cooperative), time slicing. No assertion depends on how fast the host runs
 * QEMU: lower bounds come from the time CSR, "at most one tick late" is
 * checked on the deadline the kernel programmed, and waits for something to
 * happen poll with a generous guard (GUARD_MS of guest time).
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/msgq.h>
#include <bora/mutex.h>
#include <bora/printk.h>
#include <bora/sem.h>
#include <bora/thread.h>
#include <bora/timer.h>

#include "sched_util.h"

#define GUARD_MS 10000

static uint64_t tick_len(void)
{
	return timer_tick_ticks() ? timer_tick_ticks() : 1;
}

KTEST(sched_time, sleep_waits_at_least_and_is_programmed_within_a_tick)
{
	static const unsigned int ms[] = {1, 3, 10};
	struct thread *self = thread_current();

	for (unsigned i = 0; i < ARRAY_SIZE(ms); i++) {
		uint64_t want = timer_ms_to_ticks(ms[i]);
		uint64_t start = timer_now(), end;

		KTEST_ASSERT_EQ(thread_sleep(TIMEOUT_MS(ms[i])), 0);
		end = timer_now();
		KTEST_ASSERT(end - start >= want);
		/*
		 * The wake-up was programmed for the exact deadline, rounded up to
		 * the next tick at most, and came at or after it. How late after
		 * it the thread ran depends on the host and is only printed.
		 */
		KTEST_ASSERT(self->timeout.deadline >= start + want);
		KTEST_ASSERT(self->timeout.deadline % tick_len() == 0);
		KTEST_ASSERT(end >= self->timeout.deadline);
		printk(
		    "sched_time: sleep %u ms took %llu us (deadline %llu ticks after the call)\n",
		    ms[i], (unsigned long long)timer_ticks_to_us(end - start),
		    (unsigned long long)(self->timeout.deadline - start));
	}
	KTEST_ASSERT_EQ(thread_sleep(FOREVER), -EINVAL);
	KTEST_ASSERT_EQ(thread_sleep(NO_WAIT), 0);
}

/* Every blocking call gives up with -ETIMEDOUT, no earlier than asked. */
static struct mutex held_mutex;
static struct sem release;

static void hold_mutex(void *arg)
{
	(void)arg;
	mutex_lock(&held_mutex, FOREVER);
	sem_take(&release, FOREVER);
	mutex_unlock(&held_mutex);
}

KTEST(sched_time, every_blocking_call_times_out)
{
	uint64_t want = timer_ms_to_ticks(4), t0;
	struct thread *holder;
	struct sem s;
	struct msgq q;
	uint64_t ring[1], v = 1;

	sem_init(&s, 0, 1);
	t0 = timer_now();
	KTEST_ASSERT_EQ(sem_take(&s, TIMEOUT_MS(4)), -ETIMEDOUT);
	KTEST_ASSERT(timer_now() - t0 >= want);

	msgq_init(&q, ring, sizeof(v), 1);
	t0 = timer_now();
	KTEST_ASSERT_EQ(msgq_get(&q, &v, TIMEOUT_MS(4)), -ETIMEDOUT);
	KTEST_ASSERT(timer_now() - t0 >= want);
	KTEST_ASSERT_EQ(msgq_put(&q, &v, NO_WAIT), 0);
	t0 = timer_now();
	KTEST_ASSERT_EQ(msgq_put(&q, &v, TIMEOUT_MS(4)), -ETIMEDOUT);
	KTEST_ASSERT(timer_now() - t0 >= want);
	KTEST_ASSERT_EQ(msgq_used(&q), 1);

	mutex_init(&held_mutex, "held");
	sem_init(&release, 0, 1);
	KTEST_ASSERT_EQ(ktest_thread_create(&holder, hold_mutex, NULL, ABOVE_MAIN(1), 0, "holder"),
	                0);
	thread_yield();
	KTEST_ASSERT(mutex_owner(&held_mutex) == holder);
	t0 = timer_now();
	KTEST_ASSERT_EQ(mutex_lock(&held_mutex, TIMEOUT_MS(4)), -ETIMEDOUT);
	KTEST_ASSERT(timer_now() - t0 >= want);
	/* main (below the holder) raised it while waiting; the raise ends with the wait. */
	KTEST_ASSERT_EQ(holder->rq_node.prio, ABOVE_MAIN(1));
	t0 = timer_now();
	KTEST_ASSERT_EQ(thread_join(holder, TIMEOUT_MS(4)), -ETIMEDOUT);
	KTEST_ASSERT(timer_now() - t0 >= want);
	sem_give(&release);
	KTEST_ASSERT_EQ(thread_join(holder, FOREVER), 0);
	KTEST_ASSERT_EQ(mutex_lock(&held_mutex, TIMEOUT_MS(4)), 0);
	KTEST_ASSERT_EQ(mutex_unlock(&held_mutex), 0);
}

static struct mutex pi_m;
static struct sem pi_release;

static void pi_holder(void *arg)
{
	(void)arg;
	mutex_lock(&pi_m, FOREVER);
	sem_take(&pi_release, FOREVER);
	mutex_unlock(&pi_m);
}

static volatile int pi_waiter_result = 1;

/*
 * The wait must outlast main's look at the blocked waiter below. QEMU's guest
 * clock follows the host's, so a host that deschedules the vCPU for a few
 * milliseconds would expire a short wait before main looks: half a second
 * keeps the check independent of host load.
 */
static void pi_timed_waiter(void *arg)
{
	(void)arg;
	pi_waiter_result = mutex_lock(&pi_m, TIMEOUT_MS(500));
}

/* A high waiter that gives up takes its priority back from the owner. */
KTEST(sched_time, mutex_timeout_undoes_inheritance)
{
	struct thread *low, *high;

	mutex_init(&pi_m, "pi-timed");
	sem_init(&pi_release, 0, 1);
	pi_waiter_result = 1;
	KTEST_ASSERT_EQ(ktest_thread_create(&low, pi_holder, NULL, ABOVE_MAIN(1), 0, "pi-holder"),
	                0);
	thread_yield();
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&high, pi_timed_waiter, NULL, ABOVE_MAIN(6), 0, "pi-timed"), 0);
	thread_yield();
	KTEST_ASSERT(high->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(low->rq_node.prio, (TEST_PRIO_INHERIT ? ABOVE_MAIN(6) : ABOVE_MAIN(1)));
	KTEST_ASSERT_EQ(thread_join(high, FOREVER), 0);
	KTEST_ASSERT_EQ(pi_waiter_result, -ETIMEDOUT);
	KTEST_ASSERT_EQ(low->rq_node.prio, ABOVE_MAIN(1));
	sem_give(&pi_release);
	KTEST_ASSERT_EQ(thread_join(low, FOREVER), 0);
}

/* ---- preemption on the return from an interrupt ------------------------------------------------
 */

static volatile bool sleeper_started, sleeper_ran;
static volatile unsigned long main_spins;

static void wake_after_sleep(void *arg)
{
	(void)arg;
	sleeper_started = true;
	thread_sleep(TIMEOUT_MS(3));
	sleeper_ran = true;
}

/*
 * main spins without yielding while a higher-priority thread sleeps. The
 * timer interrupt that ends the sleep preempts main on its return when
 * preemptive; cooperative, the thread runs only once main yields.
 */
KTEST(sched_time, timer_wakeup_preempts_only_when_preemptive)
{
	uint64_t spin_until, guard = timer_now() + timer_ms_to_ticks(GUARD_MS);
	struct thread *t;

	sleeper_started = sleeper_ran = false;
	main_spins = 0;
	/* Preemptive, it runs at once and starts sleeping; cooperative, at the yield. */
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&t, wake_after_sleep, NULL, ABOVE_MAIN(3), 0, "sleeper"), 0);
	if (!TEST_PREEMPT)
		thread_yield();
	KTEST_ASSERT(sleeper_started);
	/*
	 * Spin past its wake-up time, and until the timer interrupt has woken it
	 * (preemptive: until it has run): QEMU raises that interrupt from its own
	 * timer thread, which a loaded host may run well after the time CSR
	 * passed the deadline.
	 */
	spin_until = timer_now() + timer_ms_to_ticks(20);
	while (timer_now() < spin_until ||
	       ((TEST_PREEMPT ? !sleeper_ran
	                      : __atomic_load_n(&t->state, __ATOMIC_RELAXED) != THREAD_READY) &&
	        timer_now() < guard))
		main_spins++;
	/* Preemptive: it ran although main never gave up the CPU. Cooperative: woken, not run. */
	KTEST_ASSERT_EQ(sleeper_ran, TEST_PREEMPT);
	if (!TEST_PREEMPT)
		KTEST_ASSERT_EQ(__atomic_load_n(&t->state, __ATOMIC_RELAXED), THREAD_READY);
	thread_yield();
	KTEST_ASSERT(sleeper_ran);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
}

/* ---- time slicing
 * ---------------------------------------------------------------------------------- */

#ifdef CONFIG_TIMESLICING
static volatile bool stop_spinning;
static volatile unsigned long spin_count[2];

static void busy(void *arg)
{
	volatile unsigned long *count = arg;

	while (!stop_spinning)
		(*count)++;
}

/* Stops the spinners once both have run, or at the guard. */
static void referee(void *arg)
{
	uint64_t guard = timer_now() + timer_ms_to_ticks(GUARD_MS);

	(void)arg;
	while (!(spin_count[0] && spin_count[1]) && timer_now() < guard)
		thread_sleep(TIMEOUT_MS(2));
	stop_spinning = true;
}

/* Two equal-priority threads that never yield both get the CPU. */
KTEST(sched_time, time_slicing_shares_equal_priorities)
{
	struct thread *a, *b, *r, *self = thread_current();

	KTEST_ASSERT_EQ(sched_set_timeslice_ms(2), 0);
	stop_spinning = false;
	spin_count[0] = spin_count[1] = 0;
	/* Above the spinners while creating them, so both exist before either runs. */
	KTEST_ASSERT_EQ(thread_set_priority(self, ABOVE_MAIN(2)), 0);
	KTEST_ASSERT_EQ(ktest_thread_create(&r, referee, NULL, ABOVE_MAIN(4), 0, "referee"), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&a, busy, (void *)&spin_count[0], ABOVE_MAIN(1), 0, "spin-a"), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&b, busy, (void *)&spin_count[1], ABOVE_MAIN(1), 0, "spin-b"), 0);
	KTEST_ASSERT_EQ(thread_join(r, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(a, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(b, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_set_priority(self, THREAD_PRIO_DEFAULT), 0);
	slicing_default();
	KTEST_ASSERT(spin_count[0] > 0);
	KTEST_ASSERT(spin_count[1] > 0);
}
#endif
