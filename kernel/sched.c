// SPDX-License-Identifier: MIT
/*
 * The scheduler core: picking, switching, blocking, waking, preemption.
 * The lock order and the SMP seams are described in <bora/sched.h>.
 *
 * The running thread is never on a run queue. A thread that gives up the CPU
 * goes back to its hart's queue: at the tail of its priority when it yields
 * or used up its time slice, at the head when a higher-priority thread
 * preempted it (it keeps its turn). The idle thread is never queued:
 * sched_pick_next() falls back to it.
 */
/* The ready queue's code is compiled in here, inline (see <bora/sched_queue.h>). */
#define RUNQ_API static inline __attribute__((unused))
#include <bora/errno.h>
#include <bora/irq.h>
#include <bora/mutex.h>
#include <bora/panic.h>
#include <bora/percpu.h>
#include <bora/printk.h>
#include <bora/sched.h>
#include <bora/task.h>
#include <bora/spinlock.h>
#include <asm/csr.h>
#include <asm/trap.h>

#include "sched_internal.h"
#include "sched_switch.h"

spinlock_t sched_spinlock = SPINLOCK_INIT;

_Static_assert(offsetof(struct percpu, current) == PERCPU_OFFSET_CURRENT,
               "trap_entry.S finds percpu.current at PERCPU_OFFSET_CURRENT");
_Static_assert(offsetof(struct thread, on_cpu) == THREAD_OFFSET_ON_CPU &&
                   sizeof(((struct thread *)0)->on_cpu) == 1,
               "switch.S clears thread.on_cpu at THREAD_OFFSET_ON_CPU");
_Static_assert(offsetof(spinlock_t, ticket.owner) == 0, "switch.S releases a lock at its owner");

const char *sched_description(void)
{
	return PREEMPT_ENABLED ? "preemptive" : "cooperative";
}

static inline struct thread *pick_next(struct percpu *cpu)
{
	struct runq_node *n = runq_pop(&cpu->runq);

	return n ? container_of(n, struct thread, rq_node) : cpu->idle;
}

struct thread *sched_pick_next(struct percpu *cpu)
{
	return pick_next(cpu);
}

/* Ask cpu to switch at its next preemption point; another hart gets a reschedule IPI. */
static inline void resched_cpu(struct percpu *cpu)
{
#if SCHED_SMP
	if (cpu != this_cpu()) {
		sched_resched_remote(cpu);
		return;
	}
#endif
	cpu->need_resched = true;
}

/* With cpu->runq_lock held: t was queued on busy cpu; an idle hart may take it. */
static inline void offer_to_idle(const struct thread *t)
{
#if SCHED_SMP
	if (unlikely(__atomic_load_n(&sched_idle_mask, __ATOMIC_RELAXED)))
		sched_kick_idle(t);
#else
	(void)t;
#endif
}

/* A thread that wants the CPU more than cpu's current one (or than idle). */
static inline bool beats_current(const struct percpu *cpu, const struct thread *t)
{
	return cpu->current && (is_idle(cpu->current) || prio_of(t) < prio_of(cpu->current));
}

#if SCHED_SMP
/*
 * sched_place's answer without the call in its common cases: no other hart
 * the thread may run on idles, so it stays on the hart it last ran on (which
 * is online: it ran there), claiming that hart's idle bit as sched_place
 * does when the thread could have gone elsewhere.
 */
static inline struct percpu *place(struct thread *t)
{
	uint64_t last = 1ULL << t->hart, idle = __atomic_load_n(&sched_idle_mask, __ATOMIC_RELAXED);

	if (likely((t->affinity & last) && !(idle & t->affinity & ~last))) {
		if (unlikely(idle & last) && t->affinity != last)
			__atomic_fetch_and(&sched_idle_mask, ~last, __ATOMIC_RELAXED);
		t->migrate = false;
		return &percpu_harts[t->hart];
	}
	return sched_place(t);
}
#endif

void sched_enqueue(struct thread *t)
{
#if SCHED_SMP
	struct percpu *cpu = place(t);
#else
	struct percpu *cpu = &percpu_harts[0];
#endif

	sched_spin_lock(&cpu->runq_lock);
	t->state = THREAD_READY;
	t->slice_used = 0;
	runq_add_tail(&cpu->runq, &t->rq_node);
	if (beats_current(cpu, t))
		resched_cpu(cpu);
	else if (cpu->current)
		timeslice_check(cpu, cpu->current);
	sched_spin_unlock(&cpu->runq_lock);
}

void sched_finish_switch(struct thread *prev)
{
	finish_switch(prev);
}

/* As switch_to, to whatever runs next; returns with the run-queue lock released. */
static inline __attribute__((always_inline)) void switch_away_at(struct percpu *cpu,
                                                                 struct thread *prev, uint64_t now)
{
	struct thread *next = pick_next(cpu);

	if (next == prev) {
		cpu->need_resched = false;
		prev->state = THREAD_RUNNING;
		sched_spin_unlock(&cpu->runq_lock);
		return;
	}
	switch_kept_or_rest(cpu, prev, next, now, SLICE_LOOK, false);
}

static inline __attribute__((always_inline)) void switch_away(struct percpu *cpu,
                                                              struct thread *prev)
{
	switch_away_at(cpu, prev, read_time());
}

/* Interrupts off, cpu->runq_lock held: put the running thread back and run the best one. */
static inline __attribute__((always_inline)) void preempt_locked(struct percpu *cpu)
{
	struct thread *cur = cpu->current;
	uint64_t now;

	if (unlikely(sched_must_move(cur))) {
		/* Stays RUNNING, on no queue: finish_switch places it on an allowed hart. */
		switch_away(cpu, cur);
		return;
	}
	now = read_time();
	cur->state = THREAD_READY;
	if (!is_idle(cur)) {
		if (cur->timeslice_expired) {
			runq_add_tail(&cpu->runq, &cur->rq_node);
			cur->slice_used = 0;
		} else {
			runq_add_head(&cpu->runq, &cur->rq_node);
			slice_preempted(cpu, cur, now);
		}
		cur->timeslice_expired = false;
		offer_to_idle(cur);
	}
	switch_away_at(cpu, cur, now);
}

/* Interrupts off, no lock held. */
static void preempt_current(struct percpu *cpu)
{
	sched_spin_lock(&cpu->runq_lock);
	preempt_locked(cpu);
}

void sched_preempt_locked(struct percpu *cpu)
{
	preempt_locked(cpu);
}

void sched_unlock_resched(unsigned long flags)
{
	struct percpu *cpu = this_cpu();

	/*
	 * Switch only where the caller could have blocked: interrupts were on
	 * (no other spinlock held) and no handler is running.
	 */
	if (PREEMPT_ENABLED && (flags & ARCH_SSTATUS_SIE) && !in_interrupt() && cpu->current)
		preempt_current(cpu);
	arch_irq_restore(flags);
}

int sched_unlock_resched_ret(unsigned long flags, int ret)
{
	sched_unlock_resched(flags);
	return ret;
}

/* sched_yield of a thread that must leave this hart: finish_switch moves it (see preempt_current).
 */
static void __attribute__((noinline)) yield_away(struct percpu *cpu, struct thread *cur)
{
	switch_away(cpu, cur);
}

/*
 * The common case calls nothing that returns but arch_switch (the rare ones,
 * a thread leaving its hart, a slice to arm, a space that needs an ASID, go
 * out of line), so what it keeps across the switch is only the interrupt
 * state.
 */
SCHED_FAST_PATH void sched_yield(void)
{
	unsigned long flags = arch_irq_save();
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;
	struct runq_node *n;
	enum slice_hint hint;

	sched_spin_lock(&cpu->runq_lock);
	if (unlikely(sched_must_move(cur))) {
		yield_away(cpu, cur);
		arch_irq_restore(flags);
		return;
	}
	cur->timeslice_expired = false;
	cur->slice_used = 0;
	if (likely(!is_idle(cur)))
		n = runq_yield(&cpu->runq, &cur->rq_node); /* cur queued if n */
	else
		n = runq_pop(&cpu->runq);
	if (!n) {
		sched_spin_unlock(&cpu->runq_lock);
		arch_irq_restore(flags);
		return;
	}
	struct thread *next = container_of(n, struct thread, rq_node);

	cur->state = THREAD_READY;
	/* The common yield rotates one priority's queue: cur is an equal of next, queued. */
	hint = prio_of(next) == prio_of(cur) && !is_idle(cur) ? SLICE_EQUAL_READY : SLICE_LOOK;
	switch_kept_or_rest(cpu, cur, next, read_time(), hint, false);
	arch_irq_restore(flags);
}

/* ---- wait queues ----------------------------------------------------------------------------- */

int wait_queue_wake_all(struct wait_queue *wq, int result)
{
	struct thread *t;
	int n = 0;

	while ((t = wait_queue_first(wq)) != NULL) {
		sched_wake(t, result);
		n++;
	}
	return n;
}

static inline __attribute__((always_inline)) int block_armed(struct wait_queue *wq,
                                                             const char *wait_what,
                                                             k_timeout_t timeout,
                                                             unsigned long flags, bool timed)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	cur->wait_on = wq;
	cur->wait_what = wait_what;
	cur->wait_result = 0;
	wait_queue_insert(wq, cur);
	if (timed)
		sched_arm_wakeup(cur, timeout);
	cur->state = THREAD_BLOCKED;
	sched_spin_lock(&cpu->runq_lock);
	sched_spin_unlock(&sched_spinlock);
	switch_away(cpu, cur);
	arch_irq_restore(flags);
	return cur->wait_result;
}

/* sched_block with a timeout to arm: out of line, so the untimed wait keeps fewer registers. */
static int __attribute__((noinline))
block_timed(struct wait_queue *wq, const char *wait_what, k_timeout_t timeout, unsigned long flags)
{
	return block_armed(wq, wait_what, timeout, flags, true);
}

SCHED_FAST_PATH int sched_block(struct wait_queue *wq, const char *wait_what, k_timeout_t timeout,
                                unsigned long flags)
{
	if (!timeout_is_forever(timeout))
		return block_timed(wq, wait_what, timeout, flags);
	return block_armed(wq, wait_what, timeout, flags, false);
}

void sched_wake(struct thread *t, int result)
{
	leave_wait_queue(t, result);
	sched_enqueue(t);
}

void sched_set_effective_prio(struct thread *t, unsigned int prio)
{
	struct percpu *cpu = &percpu_harts[t->hart];

	if (prio_of(t) == prio)
		return;
	switch (t->state) {
	case THREAD_READY:
	case THREAD_RUNNING: {
		struct runq_node *best;

		/*
		 * sched_lock keeps t ready-or-running (and on t->hart), but which
		 * of the two only t's hart's run-queue lock does: a switch there
		 * may pick t or put it back meanwhile. Look again under it.
		 */
		sched_spin_lock(&cpu->runq_lock);
		if (t->state == THREAD_READY) {
			runq_take(cpu, t);
			t->rq_node.prio = prio;
			runq_add_tail(&cpu->runq, &t->rq_node);
			if (beats_current(cpu, t))
				resched_cpu(cpu);
		} else {
			t->rq_node.prio = prio;
			best = runq_peek(&cpu->runq);
			if (best && best->prio < prio)
				resched_cpu(cpu);
		}
		sched_spin_unlock(&cpu->runq_lock);
		break;
	}
	case THREAD_BLOCKED:
		t->rq_node.prio = prio;
		if (t->wait_on) {
			list_del(&t->wait_link);
			wait_queue_insert(t->wait_on, t);
		}
		break;
	default:
		t->rq_node.prio = prio;
		break;
	}
}

void sched_exit_locked(void)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	cur->state = THREAD_DEAD;
	sched_cancel_wakeup(cur);
	sched_spin_lock(&cpu->runq_lock);
	sched_spin_unlock(&sched_spinlock);
	switch_away(cpu, cur);
	panic("thread '%s' (id %zu) ran again after it exited", cur->name, cur->id);
}

/*
 * sched_sleep's switch, its wake-up armed: out of line, so that the frame the
 * sleeper resumes in keeps only the interrupt state.
 */
static SCHED_FAST_PATH int __attribute__((noinline)) sleep_away(unsigned long flags)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	cur->state = THREAD_SLEEPING;
	cur->wait_what = "sleep";
	sched_spin_lock(&cpu->runq_lock);
	sched_spin_unlock(&sched_spinlock);
	switch_away(cpu, cur);
	arch_irq_restore(flags);
	return 0;
}

int sched_sleep(k_timeout_t timeout)
{
	unsigned long flags;

	if (timeout_is_forever(timeout))
		return -EINVAL;
	if (in_interrupt())
		return -EIRQCTX;
	if (timeout_is_no_wait(timeout)) {
		sched_yield();
		return 0;
	}
	flags = sched_lock();
	sched_arm_wakeup(this_cpu()->current, timeout);
	return sleep_away(flags);
}

/* ---- start-up ---------------------------------------------------------------------------------
 */

void sched_idle_loop(void)
{
	for (;;) {
		struct percpu *cpu;

		/*
		 * wfi wakes on a pending enabled interrupt even with SIE clear
		 * (privileged spec 3.3.3), so checking for work with interrupts
		 * off and then waiting cannot miss a wake-up. The idle bit is
		 * set only inside this interrupts-off section, so it is never
		 * set while another thread runs here.
		 */
		arch_irq_disable();
		cpu = this_cpu();
#if SCHED_SMP
		__atomic_fetch_or(&sched_idle_mask, 1ULL << cpu->index, __ATOMIC_SEQ_CST);
		if (runq_empty(&cpu->runq) && !cpu->need_resched && !sched_steal(cpu))
			idle_wfi();
		__atomic_fetch_and(&sched_idle_mask, ~(1ULL << cpu->index), __ATOMIC_SEQ_CST);
#else
		if (runq_empty(&cpu->runq) && !cpu->need_resched)
			idle_wfi(); /* wfi, counted as idle time (uptime) */
#endif
		arch_irq_enable();
		sched_yield();
	}
}

static void idle_entry(void *arg)
{
	(void)arg;
	sched_idle_loop();
}

void sched_init(void)
{
	struct percpu *cpu = this_cpu();

	spin_lock_init(&cpu->runq_lock);
	runq_init(&cpu->runq);
#ifdef CONFIG_TIMESLICING
	sched_timeslice_init(cpu);
#endif
	cpu->current = thread_init_main(cpu->index);
	cpu->current->on_cpu = 1;
	cpu->switched_at = read_time();
	cpu->idle = thread_create_idle(cpu->index, idle_entry);
	printk("sched: %s, %s queue, %d priorities%s%s, main thread id %zu\n", sched_description(),
	       RUNQ_KIND_NAME, CONFIG_NUM_PRIORITIES,
#ifdef CONFIG_TIMESLICING
	       ", time slicing",
#else
	       "",
#endif
#ifdef CONFIG_MUTEX_PRIO_INHERIT
	       ", priority inheritance",
#else
	       "",
#endif
	       cpu->current->id);
	/*
	 * Threads run with interrupts on; that is also what makes a point
	 * preemptible (sched_unlock). No interrupt arrives before a driver
	 * enables its source in sie.
	 */
	arch_irq_enable();
}
