// SPDX-License-Identifier: MIT
/*
 * Threads and the scheduler (suite "sched"): priority order, FIFO within a
 * priority, preemption or its absence, yield, exit/join returning every
 * frame, argument checks, the stack high-water mark. Runs in every scheduler
 * configuration the matrix builds (tests/ktest.config, tests/ktest_sched_alt.config);
 * tests whose expectation depends on CONFIG_PREEMPT assert the configured one.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/sem.h>
#include <bora/thread.h>

#include "sched_util.h"

static struct event_log order;

struct logger {
	struct event_log *log;
	int id;
};

static void log_and_exit(void *arg)
{
	struct logger *l = arg;

	log_event(l->log, l->id);
}

KTEST(sched, main_and_idle_exist)
{
	struct thread *self = thread_current();

	KTEST_ASSERT(self != NULL);
	KTEST_ASSERT(self->state == THREAD_RUNNING);
	KTEST_ASSERT(this_cpu()->idle != NULL);
	KTEST_ASSERT(this_cpu()->idle->flags & THREAD_F_IDLE);
	KTEST_ASSERT_EQ(self->rq_node.prio, THREAD_PRIO_DEFAULT);
	KTEST_ASSERT(thread_count() >= 2);
}

/* Lower-priority threads wait for main to block, then run best first. */
KTEST(sched, strict_priority_order)
{
	static const unsigned int prios[] = {BELOW_MAIN(5), BELOW_MAIN(2), BELOW_MAIN(7),
	                                     BELOW_MAIN(3), BELOW_MAIN(1), BELOW_MAIN(6)};
	struct logger l[ARRAY_SIZE(prios)];
	struct thread *t[ARRAY_SIZE(prios)];

	slicing_off();
	order.n = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(prios); i++) {
		l[i] = (struct logger){&order, (int)prios[i]};
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], log_and_exit, &l[i], prios[i], 0, "prio"), 0);
	}
	KTEST_ASSERT_EQ(order.n, 0); /* all below main: none ran yet */
	for (unsigned i = 0; i < ARRAY_SIZE(prios); i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	KTEST_ASSERT_EQ(order.n, ARRAY_SIZE(prios));
	for (int i = 1; i < order.n; i++)
		KTEST_ASSERT(order.ev[i - 1] < order.ev[i]);
	slicing_default();
}

KTEST(sched, fifo_within_a_priority)
{
	struct logger l[6];
	struct thread *t[6];

	slicing_off();
	order.n = 0;
	for (int i = 0; i < 6; i++) {
		l[i] = (struct logger){&order, i};
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], log_and_exit, &l[i], BELOW_MAIN(1), 0, "fifo"), 0);
	}
	for (int i = 5; i >= 0; i--) /* joining in reverse must not change who runs first */
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	KTEST_ASSERT_EQ(order.n, 6);
	for (int i = 0; i < 6; i++)
		KTEST_ASSERT_EQ(order.ev[i], i);
	slicing_default();
}

/* Preemptive: a new higher-priority thread runs inside thread_create. Cooperative: not before main
 * blocks. */
KTEST(sched, higher_priority_thread_preempts_only_when_preemptive)
{
	struct logger l = {&order, 1};
	struct thread *t;

	order.n = 0;
	KTEST_ASSERT_EQ(ktest_thread_create(&t, log_and_exit, &l, ABOVE_MAIN(3), 0, "urgent"), 0);
	KTEST_ASSERT_EQ(order.n, (TEST_PREEMPT ? 1 : 0));
	thread_yield(); /* a yield always lets a higher priority run */
	KTEST_ASSERT_EQ(order.n, 1);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
}

static struct sem wake_sem;
static volatile bool giver_went_on;
static volatile bool giver_had_gone_on_when_woken;

static void high_waiter(void *arg)
{
	(void)arg;
	sem_take(&wake_sem, FOREVER);
	giver_had_gone_on_when_woken = giver_went_on;
}

static void low_giver(void *arg)
{
	(void)arg;
	sem_give(&wake_sem);
	giver_went_on = true;
}

/*
 * A thread that wakes a higher-priority one keeps the CPU when cooperative
 * (until it ends) and loses it at once when preemptive.
 */
KTEST(sched, waking_a_higher_thread_switches_only_when_preemptive)
{
	struct thread *h, *g;

	sem_init(&wake_sem, 0, 1);
	giver_went_on = false;
	giver_had_gone_on_when_woken = false;
	KTEST_ASSERT_EQ(ktest_thread_create(&h, high_waiter, NULL, ABOVE_MAIN(4), 0, "waiter"), 0);
	thread_yield(); /* let it block on the semaphore in either mode */
	KTEST_ASSERT(h->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(ktest_thread_create(&g, low_giver, NULL, ABOVE_MAIN(2), 0, "giver"), 0);
	KTEST_ASSERT_EQ(thread_join(g, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(h, FOREVER), 0);
	KTEST_ASSERT_EQ(giver_had_gone_on_when_woken, !TEST_PREEMPT);
}

struct yielder {
	struct event_log *log;
	int id;
	int rounds;
};

static void yield_loop(void *arg)
{
	struct yielder *y = arg;

	for (int i = 0; i < y->rounds; i++) {
		log_event(y->log, y->id);
		thread_yield();
	}
}

KTEST(sched, yield_alternates_equal_priorities)
{
	struct yielder a = {&order, 0, 5}, b = {&order, 1, 5};
	struct thread *ta, *tb;

	slicing_off();
	order.n = 0;
	KTEST_ASSERT_EQ(ktest_thread_create(&ta, yield_loop, &a, BELOW_MAIN(1), 0, "yield-a"), 0);
	KTEST_ASSERT_EQ(ktest_thread_create(&tb, yield_loop, &b, BELOW_MAIN(1), 0, "yield-b"), 0);
	KTEST_ASSERT_EQ(thread_join(ta, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(tb, FOREVER), 0);
	KTEST_ASSERT_EQ(order.n, 10);
	for (int i = 0; i < 10; i++)
		KTEST_ASSERT_EQ(order.ev[i], i % 2);
	slicing_default();
}

static void idle_work(void *arg)
{
	(void)arg;
}

/* Frames, heap blocks and thread slots all come back after create + exit + join. */
KTEST(sched, exit_and_join_return_every_frame)
{
	struct page_alloc_stats before, after;
	struct kheap_stats hb, ha;
	size_t threads = thread_count();
	struct thread *t[24];

	/* Warm up once so a heap that grows on the first thread struct does not count. */
	KTEST_ASSERT_EQ(ktest_thread_create(&t[0], idle_work, NULL, BELOW_MAIN(1), 0, "warm"), 0);
	KTEST_ASSERT_EQ(thread_join(t[0], FOREVER), 0);
	frame_stats(&before);
	kheap_stats(kmalloc_heap(), &hb);
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
			KTEST_ASSERT_EQ(ktest_thread_create(&t[i], idle_work, NULL,
			                                    BELOW_MAIN(i % 4),
			                                    PAGE_SIZE * (1 + i % 5), "churn"),
			                0);
		KTEST_ASSERT_EQ(thread_count(), threads + ARRAY_SIZE(t));
		for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
			KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	}
	frame_stats(&after);
	kheap_stats(kmalloc_heap(), &ha);
	KTEST_ASSERT_EQ(after.used_pages, before.used_pages);
	KTEST_ASSERT_EQ(ha.live_allocs, hb.live_allocs);
	KTEST_ASSERT_EQ(thread_count(), threads);
}

static struct sem hold_sem;

static void hold_until_given(void *arg)
{
	(void)arg;
	sem_take(&hold_sem, FOREVER);
}

KTEST(sched, join_errors)
{
	struct thread *t;

	KTEST_ASSERT_EQ(thread_join(thread_current(), FOREVER), -EDEADLK);
	KTEST_ASSERT_EQ(thread_join(this_cpu()->idle, FOREVER), -EINVAL);
	KTEST_ASSERT_EQ(thread_join(NULL, FOREVER), -EINVAL);
	sem_init(&hold_sem, 0, 1);
	KTEST_ASSERT_EQ(ktest_thread_create(&t, hold_until_given, NULL, ABOVE_MAIN(1), 0, "held"),
	                0);
	KTEST_ASSERT_EQ(thread_join(t, NO_WAIT), -EAGAIN);
	sem_give(&hold_sem);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
}

KTEST(sched, create_rejects_bad_arguments)
{
	struct thread *t;

	KTEST_ASSERT_EQ(thread_create(&t, NULL, NULL, 1, 0, "x"), -EINVAL);
	KTEST_ASSERT_EQ(thread_create(&t, idle_work, NULL, CONFIG_NUM_PRIORITIES, 0, "x"), -EINVAL);
	KTEST_ASSERT_EQ(thread_create(&t, idle_work, NULL, 1, (2UL << 20), "x"), -EINVAL);
	KTEST_ASSERT_EQ(thread_create(&t, idle_work, NULL, 1, 0, ""), -EINVAL);
	KTEST_ASSERT_EQ(thread_create(NULL, idle_work, NULL, 1, 0, "x"), -EINVAL);
	KTEST_ASSERT_EQ(thread_set_priority(thread_current(), CONFIG_NUM_PRIORITIES), -EINVAL);
}

/* Every id taken: -EBUSY, and the slots come back after the joins. */
KTEST(sched, thread_table_full_is_ebusy)
{
	static struct thread *t[CONFIG_MAX_THREADS];
	size_t before = thread_count(), n = 0;
	int err;

	sem_init(&hold_sem, 0, CONFIG_MAX_THREADS);
	while ((err = thread_create(&t[n], hold_until_given, NULL, BELOW_MAIN(1), PAGE_SIZE,
	                            "filler")) == 0)
		n++;
	/* Whichever limit comes first, each with its own error: ids, or frames for the stacks. */
	KTEST_ASSERT(err == -EBUSY || err == -ENOMEM);
	if (err == -EBUSY)
		KTEST_ASSERT_EQ(before + n, CONFIG_MAX_THREADS);
	else
		KTEST_ASSERT(before + n < CONFIG_MAX_THREADS);
	for (size_t i = 0; i < n; i++)
		sem_give(&hold_sem);
	for (size_t i = 0; i < n; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	KTEST_ASSERT_EQ(thread_count(), before);
}

static void use_stack(void *arg)
{
	volatile char buf[3000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;
	*(size_t *)arg = thread_stack_used(thread_current());
}

KTEST(sched, stack_high_water_mark)
{
	struct thread *t;
	size_t used = 0;

	KTEST_ASSERT_EQ(
	    ktest_thread_create(&t, use_stack, &used, ABOVE_MAIN(1), 2 * PAGE_SIZE, "deep"), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT(used >= 3000);
	KTEST_ASSERT(used < 2 * PAGE_SIZE);
	KTEST_ASSERT(thread_stack_used(thread_current()) > 0);
}

KTEST(sched, priority_change_reorders)
{
	struct logger l[3];
	struct thread *t[3];

	slicing_off();
	order.n = 0;
	for (int i = 0; i < 3; i++) {
		l[i] = (struct logger){&order, i};
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], log_and_exit, &l[i], BELOW_MAIN(3), 0, "reprio"), 0);
	}
	KTEST_ASSERT_EQ(thread_set_priority(t[2], BELOW_MAIN(1)), 0); /* now first */
	KTEST_ASSERT_EQ(t[2]->rq_node.prio, BELOW_MAIN(1));
	for (int i = 0; i < 3; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	KTEST_ASSERT_EQ(order.n, 3);
	KTEST_ASSERT_EQ(order.ev[0], 2);
	KTEST_ASSERT_EQ(order.ev[1], 0);
	KTEST_ASSERT_EQ(order.ev[2], 1);
	slicing_default();
}
