// SPDX-License-Identifier: MIT
/*
 * The timer's direct hand-over (kernel/sched_time.c, ready_at_exit; the exit
 * in kernel/sched_handoff.c, sched_irq_exit): a thread whose sleep ends in
 * this hart's timer interrupt and that should run here at once becomes ready
 * in percpu.woken, on no run queue, and the interrupt's exit switches to it.
 *
 * A probe timeout armed at the sleeper's own deadline, after it (equal
 * deadlines run in arming order, in the same interrupt), looks at the
 * sleeper between its wake-up and the exit, and may act there (a priority or
 * affinity change from the interrupt, as another hart could make). The other
 * harts spin with interrupts off meanwhile: busy (so placement has no idle
 * hart to prefer) and quiet (the timeout tree is shared, and another hart's
 * timer interrupt could take the expiry instead).
 */
#include <bora/irqflags.h>
#include <bora/ktest.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/smp.h>
#include <bora/thread.h>
#include <bora/timeout.h>
#include <bora/timer.h>

#include "sched_util.h"
#include "smp_util.h"

/*
 * The sleepers ask for a long sleep; main then brings their wake-up forward
 * to a deadline of its choosing with interrupts off (bring_forward), so no
 * host delay can end a sleep before main has armed the probe behind it.
 */
#define LONG_SLEEP_MS 10000
#define SOON_US       1000
#define GUARD_MS      30000 /* a bound on every wait, never a measure of speed */
#define QUIET_MS      60000 /* the other harts' spin, should a test not end it */

struct probe {
	struct timeout to;
	struct thread *watch;
	void (*act)(struct probe *p); /* in the window, after the look */
	uint64_t arg;
	/* What it saw. */
	volatile bool ran;
	bool in_irq;
	struct thread *woken;
	enum thread_state state;
	bool queued;
	unsigned int hart;
};

static void probe_fn(struct timeout *to)
{
	struct probe *p = container_of(to, struct probe, to);

	p->in_irq = in_interrupt();
	p->woken = this_cpu()->woken;
	p->state = p->watch->state;
	p->queued = list_linked(&p->watch->rq_node.link);
	p->hart = this_cpu()->index;
	if (p->act)
		p->act(p);
	p->ran = true;
}

/*
 * Interrupts off: move t's pending wake-up (its sleep's timeout, callback
 * unchanged) to `deadline`. It keeps its place among equal deadlines by
 * arming order, so what is brought forward later runs later.
 */
static void bring_forward(struct thread *t, uint64_t deadline)
{
	timeout_arm(&t->timeout, deadline, t->timeout.fn);
}

/* Interrupts off: arm p right behind t's wake-up, so both expire in one interrupt. */
static void arm_behind(struct probe *p, struct thread *t)
{
	p->ran = false;
	p->watch = t;
	timeout_arm(&p->to, t->timeout.deadline, probe_fn);
}

static bool wait_until(volatile bool *flag)
{
	uint64_t guard = timer_now() + timer_ms_to_ticks(GUARD_MS);

	while (!*flag)
		if (timer_now() > guard)
			return false;
	return true;
}

/* A hart's run queue is well formed (links, bitmap, count); interrupts off while it is walked. */
static bool runq_consistent(unsigned int hart)
{
	struct percpu *cpu = &percpu_harts[hart];
	unsigned long flags = arch_irq_save();
	char why[64];
	int err;

	sched_spin_lock(&cpu->runq_lock);
	err = runq_validate(&cpu->runq, why, sizeof(why));
	sched_spin_unlock(&cpu->runq_lock);
	arch_irq_restore(flags);
	return err == 0;
}

/* ---- the other harts: busy with interrupts off while a test runs ---- */

static volatile bool quiet_stop;
static unsigned int quiet_started;
static struct thread *quiet_threads[64];

static void quiet_spin(void *arg)
{
	uint64_t guard = timer_now() + timer_ms_to_ticks(QUIET_MS);
	unsigned long flags = arch_irq_save();

	(void)arg;
	__atomic_fetch_add(&quiet_started, 1, __ATOMIC_RELEASE);
	while (!quiet_stop && timer_now() < guard)
		;
	arch_irq_restore(flags);
}

static bool quiet_others(void)
{
	unsigned int me = thread_current()->hart, want = 0;
	cpumask_t online = smp_online_mask();
	uint64_t guard = timer_now() + timer_ms_to_ticks(GUARD_MS);

	quiet_stop = false;
	quiet_started = 0;
	for (unsigned int i = 0; i < 64; i++) {
		quiet_threads[i] = NULL;
		if (i == me || !(online & hart_bit(i)))
			continue;
		if (ktest_thread_create_on(&quiet_threads[i], quiet_spin, NULL, ABOVE_MAIN(6), 0,
		                           "quiet", hart_bit(i)) != 0)
			return false;
		want++;
	}
	while (load_acquire_uint(&quiet_started) < want)
		if (timer_now() > guard)
			return false;
	return true;
}

static void release_others(void)
{
	quiet_stop = true;
	for (unsigned int i = 0; i < 64; i++) {
		if (quiet_threads[i])
			thread_join(quiet_threads[i], FOREVER);
		quiet_threads[i] = NULL;
	}
}

/* ---- the sleepers ---- */

struct sleeper {
	struct thread *t;
	int tag;
	volatile bool slept, done;
	/* What it saw first thing after its sleep. */
	enum thread_state main_state;
	bool main_queued, woken_set;
	unsigned int hart;
	uint64_t switches;
};

static struct probe probe;
static struct thread *main_thread;
static struct event_log order;

static void sleep_once(void *arg)
{
	struct sleeper *s = arg;

	s->slept = true;
	thread_sleep(TIMEOUT_MS(LONG_SLEEP_MS));
	s->main_state = main_thread->state;
	s->main_queued = list_linked(&main_thread->rq_node.link);
	s->woken_set = this_cpu()->woken != NULL;
	s->hart = thread_current()->hart;
	s->switches = thread_current()->switches;
	log_event(&order, s->tag);
	s->done = true;
}

/* A sleeper on main's hart, asleep when this returns (main gives way until it is). */
static bool start_sleeper(struct sleeper *s, unsigned int prio, int tag)
{
	s->tag = tag;
	s->slept = s->done = false;
	if (ktest_thread_create_on(&s->t, sleep_once, s, prio, 0, "tw-sleeper",
	                           hart_bit(thread_current()->hart)) != 0)
		return false;
	while (!s->slept || s->t->state != THREAD_SLEEPING)
		thread_sleep(TIMEOUT_US(50)); /* a lower one runs only when main blocks */
	return timeout_pending(&s->t->timeout);
}

/* start_sleeper, its wake-up brought forward to SOON_US from now with the probe behind it. */
static bool start_probed(struct sleeper *s, unsigned int prio)
{
	unsigned long flags;

	if (!start_sleeper(s, prio, 1))
		return false;
	flags = arch_irq_save();
	bring_forward(s->t, timer_now() + timer_us_to_ticks(SOON_US));
	arm_behind(&probe, s->t);
	arch_irq_restore(flags);
	return true;
}

static void begin(void)
{
	main_thread = thread_current();
	order.n = 0;
	probe.act = NULL;
	slicing_off();
}

static void hands_over(struct ktest_ctx *ktest_ctx__)
{
	struct sleeper s;
	uint64_t switches;

	begin();
	KTEST_ASSERT(start_probed(&s, ABOVE_MAIN(2)));
	switches = s.t->switches;
	/* main spins: only the timer interrupt's exit can give the CPU away. */
	KTEST_ASSERT(wait_until(TEST_PREEMPT ? &s.done : &probe.ran));
	KTEST_ASSERT(probe.ran && probe.in_irq);
	KTEST_ASSERT_EQ(probe.hart, main_thread->hart);
	KTEST_ASSERT_EQ(probe.state, THREAD_READY);
	if (TEST_PREEMPT) {
		/* Ready on no queue, in the slot; then run at the exit, main queued behind it. */
		KTEST_ASSERT(probe.woken == s.t);
		KTEST_ASSERT(!probe.queued);
		KTEST_ASSERT_EQ(s.main_state, THREAD_READY);
		KTEST_ASSERT(s.main_queued);
	} else {
		/* Cooperative: a running thread is not preempted, so it is queued as before. */
		KTEST_ASSERT(probe.woken == NULL);
		KTEST_ASSERT(probe.queued);
		KTEST_ASSERT(!s.done);
	}
	KTEST_ASSERT_EQ(thread_join(s.t, FOREVER), 0);
	KTEST_ASSERT(!s.woken_set);
	KTEST_ASSERT_EQ(s.hart, main_thread->hart);
	/* Switched in once after its sleep. */
	KTEST_ASSERT_EQ(s.switches - switches, 1);
	KTEST_ASSERT(this_cpu()->woken == NULL);
	KTEST_ASSERT(runq_consistent(main_thread->hart));
}

/*
 * A sleep that ends in the timer interrupt while main spins: the sleeper
 * runs at the interrupt's exit straight from the slot (preemptive builds),
 * main goes back to the head of its queue.
 */
KTEST(timer_wake, a_higher_sleeper_is_handed_the_cpu_at_the_exit)
{
	uint64_t rt0;

	KTEST_ASSERT(quiet_others());
	rt0 = thread_current()->runtime_ticks;
	hands_over(ktest_ctx__);
	release_others();
	slicing_default();
	/* main's runtime went on counting across the switches. */
	KTEST_ASSERT(thread_current()->runtime_ticks > rt0);
}

static void lower_is_queued(struct ktest_ctx *ktest_ctx__)
{
	struct sleeper s;

	begin();
	KTEST_ASSERT(start_probed(&s, BELOW_MAIN(1)));
	KTEST_ASSERT(wait_until(&probe.ran));
	KTEST_ASSERT(probe.in_irq);
	KTEST_ASSERT(probe.woken == NULL);
	KTEST_ASSERT_EQ(probe.state, THREAD_READY);
	KTEST_ASSERT(probe.queued);
	KTEST_ASSERT(!s.done); /* main still runs */
	KTEST_ASSERT(runq_consistent(main_thread->hart));
	KTEST_ASSERT_EQ(thread_join(s.t, FOREVER), 0);
	KTEST_ASSERT(s.done);
}

/* A sleeper below main is queued as any wake-up and runs when main blocks. */
KTEST(timer_wake, a_lower_sleeper_is_queued)
{
	KTEST_ASSERT(quiet_others());
	lower_is_queued(ktest_ctx__);
	release_others();
	slicing_default();
}

/*
 * a (above main) and b (higher): both asleep, then brought forward to one
 * deadline, a first, the probe behind b, and due before interrupts come back
 * on, so one interrupt wakes them in that order.
 */
static void two_in_one_interrupt(struct ktest_ctx *ktest_ctx__)
{
	struct sleeper a, b;
	unsigned long flags;
	uint64_t guard, when;

	begin();
	KTEST_ASSERT(start_sleeper(&a, ABOVE_MAIN(1), 1));
	KTEST_ASSERT(start_sleeper(&b, ABOVE_MAIN(3), 2));
	flags = arch_irq_save();
	when = timer_now() + timer_us_to_ticks(SOON_US);
	bring_forward(a.t, when);
	bring_forward(b.t, when);
	arm_behind(&probe, b.t);
	guard = timer_now() + timer_ms_to_ticks(GUARD_MS);
	while (timer_now() <= b.t->timeout.deadline && timer_now() < guard)
		;
	arch_irq_restore(flags);
	if (!TEST_PREEMPT)
		thread_yield();
	KTEST_ASSERT(wait_until(&probe.ran));
	KTEST_ASSERT_EQ(thread_join(b.t, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(a.t, FOREVER), 0);
	KTEST_ASSERT(probe.in_irq);
	KTEST_ASSERT_EQ(probe.state, THREAD_READY);
	KTEST_ASSERT(probe.queued);
	/* a took the slot (preemptive builds); b, queued, comes first all the same. */
	KTEST_ASSERT(probe.woken == (TEST_PREEMPT ? a.t : NULL));
	KTEST_ASSERT_EQ(order.n, 2);
	KTEST_ASSERT_EQ(order.ev[0], 2);
	KTEST_ASSERT_EQ(order.ev[1], 1);
	KTEST_ASSERT(runq_consistent(main_thread->hart));
}

/*
 * Two sleeps end in one interrupt: the first takes the slot, the second,
 * of higher priority, is queued; the exit finds it and runs it first.
 */
KTEST(timer_wake, a_higher_thread_woken_by_the_same_interrupt_runs_first)
{
	KTEST_ASSERT(quiet_others());
	two_in_one_interrupt(ktest_ctx__);
	release_others();
	slicing_default();
}

static void lower_it(struct probe *p)
{
	thread_set_priority(p->watch, (unsigned int)p->arg);
}

static void reprioritized(struct ktest_ctx *ktest_ctx__)
{
	struct sleeper s;

	begin();
	probe.act = lower_it;
	probe.arg = BELOW_MAIN(1);
	KTEST_ASSERT(start_probed(&s, ABOVE_MAIN(2)));
	KTEST_ASSERT(wait_until(&probe.ran));
	probe.act = NULL;
	KTEST_ASSERT(!s.done); /* below main now: queued, main goes on */
	KTEST_ASSERT(this_cpu()->woken == NULL);
	KTEST_ASSERT_EQ(s.t->state, THREAD_READY);
	KTEST_ASSERT(list_linked(&s.t->rq_node.link));
	KTEST_ASSERT_EQ(s.t->rq_node.prio, BELOW_MAIN(1));
	KTEST_ASSERT(runq_consistent(main_thread->hart));
	KTEST_ASSERT_EQ(thread_join(s.t, FOREVER), 0);
	KTEST_ASSERT(s.done);
}

/*
 * A priority change between the wake-up and the exit takes the thread out
 * of the slot: queued at its new priority, below main, it waits.
 */
KTEST(timer_wake, a_priority_change_before_the_exit_queues_it)
{
	KTEST_ASSERT(quiet_others());
	reprioritized(ktest_ctx__);
	release_others();
	slicing_default();
}

static void move_it(struct probe *p)
{
	thread_set_affinity(p->watch, hart_bit((unsigned int)p->arg));
}

static void moved(struct ktest_ctx *ktest_ctx__, unsigned int other)
{
	struct sleeper s;

	begin();
	probe.act = move_it;
	probe.arg = other;
	KTEST_ASSERT(start_probed(&s, ABOVE_MAIN(2)));
	KTEST_ASSERT(wait_until(&probe.ran));
	probe.act = NULL;
	/* Queued on the other hart, which spins with interrupts off until released. */
	KTEST_ASSERT(!s.done);
	KTEST_ASSERT(this_cpu()->woken == NULL);
	KTEST_ASSERT_EQ(s.t->hart, other);
	KTEST_ASSERT_EQ(s.t->state, THREAD_READY);
	KTEST_ASSERT(list_linked(&s.t->rq_node.link));
	KTEST_ASSERT(runq_consistent(main_thread->hart));
	KTEST_ASSERT(runq_consistent(other));
	release_others();
	KTEST_ASSERT_EQ(thread_join(s.t, FOREVER), 0);
	KTEST_ASSERT_EQ(s.hart, other);
}

/*
 * An affinity change between the wake-up and the exit takes the thread out
 * of the slot and places it on the hart it now must run on.
 */
KTEST(timer_wake, an_affinity_change_before_the_exit_moves_it)
{
	unsigned int me = thread_current()->hart;

	if (smp_online_count() < 2)
		KTEST_SKIP("needs 2 online harts");
	KTEST_ASSERT(quiet_others());
	moved(ktest_ctx__, smp_nth_online(me == smp_nth_online(0) ? 1 : 0));
	release_others();
	slicing_default();
}
