// SPDX-License-Identifier: MIT
/*
 * The timer driver and timeouts on the real hart: interrupts arrive at or
 * after their deadline, in deadline order, with interrupts off and the
 * nesting count raised; cancelled timeouts never run; tickless mode takes no
 * interrupt while nothing is due. Waits are bounded by the time CSR (2 s of
 * guest time), never by host wall-clock.
 */
#include <bora/devicetree.h>
#include <bora/irq.h>
#include <bora/irqflags.h>
#include <bora/ktest.h>
#include <bora/percpu.h>
#include <bora/thread.h>
#include <bora/timeout.h>
#include <bora/timer.h>

#define WAIT_LIMIT_MS 2000

struct probe {
	struct timeout t;
	uint64_t fired_at;
	unsigned int nesting;
	bool irqs_were_on;
	int order;
};

static int fire_seq;

static void probe_fn(struct timeout *t)
{
	struct probe *p = (struct probe *)t; /* t is the first member */

	p->fired_at = timer_now();
	p->nesting = this_cpu()->irq_nesting;
	p->irqs_were_on = arch_irqs_enabled();
	p->order = fire_seq++;
}

/* Sleep in wfi until `done(arg)` or the guest-time limit; true if done. */
static bool wait_for(bool (*done)(void *), void *arg)
{
	uint64_t limit = timer_now() + timer_ms_to_ticks(WAIT_LIMIT_MS);

	for (;;) {
		unsigned long flags = arch_irq_save();
		bool ok = done(arg);

		if (!ok && timer_now() < limit)
			idle_wfi();
		arch_irq_restore(flags);
		if (ok)
			return true;
		if (timer_now() >= limit)
			return done(arg);
	}
}

static bool not_pending(void *arg)
{
	return !timeout_pending(arg);
}

KTEST(timer, frequency_from_devicetree)
{
	const struct fdt *fdt = dt_get();
	uint32_t hz = 0;
	int cpus;

	KTEST_ASSERT(fdt);
	cpus = fdt_path(fdt, "/cpus");
	KTEST_ASSERT(cpus >= 0);
	KTEST_ASSERT_EQ(fdt_prop_u32(fdt, cpus, "timebase-frequency", &hz), 0);
	KTEST_ASSERT_EQ(timer_freq(), hz);
}

KTEST(timer, conversions_round_up_to_ticks)
{
	uint64_t f = timer_freq();

	KTEST_ASSERT_EQ(timer_ms_to_ticks(1000), f);
	KTEST_ASSERT_EQ(timer_us_to_ticks(1000000), f);
	KTEST_ASSERT_EQ(timer_ticks_to_ms(f * 3), 3000);
	KTEST_ASSERT_EQ(timer_ticks_to_us(timer_us_to_ticks(250)) >= 250, 1);
	KTEST_ASSERT(timer_us_to_ticks(1) >= 1); /* never a zero-length wait */
	KTEST_ASSERT_EQ(timer_ms_to_ticks(UINT64_MAX), UINT64_MAX);
}

KTEST(timer, interrupt_fires_at_or_after_deadline)
{
	static struct probe p;
	uint64_t deadline = timer_now() + timer_ms_to_ticks(2);
	uint64_t irqs = timer_irq_count();

	p = (struct probe){0};
	KTEST_ASSERT(arch_irqs_enabled());
	timeout_arm(&p.t, deadline, probe_fn);
	/* A loaded host can stall QEMU past the deadline already: then it may have fired. */
	KTEST_ASSERT(timeout_pending(&p.t) || timer_now() >= deadline);
	KTEST_ASSERT(wait_for(not_pending, &p.t));
	KTEST_ASSERT(p.fired_at >= deadline);
	KTEST_ASSERT(p.nesting > 0);
	KTEST_ASSERT(!p.irqs_were_on);
	KTEST_ASSERT(timer_irq_count() > irqs);
	KTEST_ASSERT_EQ(this_cpu()->irq_nesting, 0);
}

#define ORDERED 6

static bool all_fired(void *arg)
{
	struct probe *p = arg;

	for (int i = 0; i < ORDERED; i++)
		if (timeout_pending(&p[i].t))
			return false;
	return true;
}

KTEST(timer, timeouts_expire_in_deadline_order)
{
	static struct probe p[ORDERED];
	/* Deliberately not in arming order; two share a deadline. */
	static const unsigned int offset[ORDERED] = {5, 1, 4, 2, 3, 2};
	static const int expected_rank[ORDERED] = {5, 0, 4, 1, 3, 2};
	uint64_t base = timer_now();
	/* Periodic mode rounds to ticks: space the deadlines a tick apart to keep them distinct. */
	uint64_t step = timer_tick_ticks() ? timer_tick_ticks() : timer_ms_to_ticks(1);

	unsigned long flags;

	fire_seq = 0;
	/* Interrupts off while arming: a slow host must not let early ones fire in between. */
	flags = arch_irq_save();
	for (int i = 0; i < ORDERED; i++) {
		p[i] = (struct probe){0};
		timeout_arm(&p[i].t, base + offset[i] * step, probe_fn);
	}
	arch_irq_restore(flags);
	KTEST_ASSERT(wait_for(all_fired, p));
	for (int i = 0; i < ORDERED; i++) {
		KTEST_ASSERT_EQ(p[i].order, expected_rank[i]);
		KTEST_ASSERT(p[i].fired_at >= p[i].t.deadline);
	}
}

KTEST(timer, cancelled_timeout_never_runs)
{
	static struct probe a, b;
	uint64_t now = timer_now();

	unsigned long flags;
	bool first, second;

	a = (struct probe){0};
	b = (struct probe){0};
	/* Interrupts off: however slow the host, `a` cannot run before the cancel. */
	flags = arch_irq_save();
	timeout_arm(&a.t, now + timer_ms_to_ticks(1), probe_fn);
	timeout_arm(&b.t, now + timer_ms_to_ticks(3), probe_fn);
	first = timeout_cancel(&a.t);
	second = timeout_cancel(&a.t);
	arch_irq_restore(flags);
	KTEST_ASSERT(first);
	KTEST_ASSERT(!second);
	KTEST_ASSERT(wait_for(not_pending, &b.t));
	KTEST_ASSERT_EQ(a.fired_at, 0);
	KTEST_ASSERT(b.fired_at >= b.t.deadline);
}

static bool time_passed(void *arg)
{
	return timer_now() >= *(uint64_t *)arg;
}

#ifdef CONFIG_TICKLESS_KERNEL
KTEST(timer, tickless_is_silent_while_nothing_is_due)
{
	uint64_t irqs, until;

#ifdef CONFIG_TIMESLICING
	/* A time slice no longer needed is not cancelled: it fires once, for nothing
	 * (sched_time.c). */
	thread_sleep(TIMEOUT_MS(CONFIG_TIMESLICE_MS + 1));
#endif
	irqs = timer_irq_count();
	until = timer_now() + timer_ms_to_ticks(20);
	KTEST_ASSERT_EQ(timeout_count(), 0);
	KTEST_ASSERT_EQ(timer_tick_ticks(), 0);
	while (!time_passed(&until))
		;
	KTEST_ASSERT_EQ(timer_irq_count(), irqs);
}
#else
static bool irq_count_reached(void *arg)
{
	return timer_irq_count() >= *(uint64_t *)arg;
}

KTEST(timer, periodic_tick_runs_and_rounds_deadlines)
{
	static struct probe p;
	uint64_t irqs = timer_irq_count();
	uint64_t until = timer_now() + 3 * timer_tick_ticks();

	KTEST_ASSERT_EQ(timer_tick_ticks(), timer_freq() / CONFIG_SYS_CLOCK_TICKS_PER_SEC);
	KTEST_ASSERT(wait_for(time_passed, &until));
	/*
	 * Three ticks of the time CSR have passed; QEMU raises the timer
	 * interrupt from its own timer thread, which a loaded host may run late,
	 * so the ticks are waited for rather than counted at once.
	 */
	irqs += 2;
	KTEST_ASSERT(wait_for(irq_count_reached, &irqs));
	p = (struct probe){0};
	timeout_arm(&p.t, timer_now() + 1, probe_fn);
	KTEST_ASSERT_EQ(p.t.deadline % timer_tick_ticks(), 0);
	KTEST_ASSERT(wait_for(not_pending, &p.t));
	KTEST_ASSERT(p.fired_at >= p.t.deadline);
}
#endif
