// SPDX-License-Identifier: MIT
/*
 * Switches straight to a chosen thread, without queueing it and picking it
 * again: a wake-up of a thread that should run at once (sched_wake_unlock)
 * and the rare cases of the IPC fast paths' hand-offs to their peer, which
 * are inline in kernel/sched_switch.h (block_handoff, and block_handoff_user
 * for user threads that keep no kernel continuation while they wait).
 */
/* The ready queue's code is compiled in here, inline (see <bora/sched_queue.h>). */
#define RUNQ_API static inline __attribute__((unused))
#include <bora/sched.h>
#include <asm/csr.h>
#include <asm/trap.h>

#include "sched_switch.h"

SCHED_FAST_PATH struct thread *__attribute__((noinline))
sched_switch_rest(struct percpu *cpu, struct thread *cur, struct thread *next, enum slice_hint hint)
{
	switch_prepare_rest(cpu, next, hint);
	return arch_switch(cur, next, SWITCH_UNLOCK(cpu));
}

/* block_handoff for a next with a timed wake-up to cancel. */
int __attribute__((noinline)) sched_handoff_armed(struct wait_queue *wq, const char *wait_what,
                                                  struct thread *next, unsigned long flags)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	handoff_prepare(cpu, cur, wq, wait_what, next);
	switch_to_as(cpu, cur, next, read_time(), SLICE_LOOK, true); /* cur blocked just now */
	arch_irq_restore(flags);
	return cur->wait_result;
}

#ifdef CONFIG_USERSPACE
/* The user hand-off's less common ends: next's space needs the ASID allocator, or a time slice. */
void __attribute__((noinline, noreturn))
sched_handoff_user_finish(struct percpu *cpu, struct thread *cur, struct thread *next,
                          struct trap_frame *next_frame)
{
	switch_prepare_rest(cpu, next, SLICE_NOT_IDLE);
	handoff_user_leave(cpu, cur, next, next_frame);
}

/* The whole user hand-off when next has a timed wake-up to cancel. */
void __attribute__((noinline, noreturn))
sched_handoff_user_armed(struct wait_queue *wq, const char *wait_what, struct thread *next,
                         struct trap_frame *next_frame)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	handoff_prepare(cpu, cur, wq, wait_what, next);
	switch_prepare_state(cpu, cur, next, read_time(), true);
	sched_handoff_user_finish(cpu, cur, next, next_frame);
}
#endif

/*
 * The direct hand-over: t beats the running thread and everything ready on
 * this hart, and the caller may switch (SIE on in flags: not in an interrupt
 * handler, no other spinlock held, not idle). Then there is no point in
 * queueing t only to pick it again: cur keeps its turn at the head of its
 * priority and t runs now. The last test, that nothing of t's priority is
 * ready here, needs the run-queue lock.
 */
static inline __attribute__((always_inline)) bool may_hand_over(const struct percpu *cpu,
                                                                const struct thread *cur,
                                                                const struct thread *t,
                                                                unsigned long flags)
{
	return PREEMPT_ENABLED && (flags & ARCH_SSTATUS_SIE) && prio_of(t) < prio_of(cur) &&
	       hand_over_here(cpu, t) && !sched_must_move(cur);
}

/*
 * With sched_lock and cpu->runq_lock held, t off its wait queue: switch to it.
 * Inline, so that the caller's frame holds only the return address (the
 * compiler saves it right before the switch): the waker's registers are
 * saved once, by arch_switch, and what it needs when it runs again is only
 * the hart (tp). Interrupts were on (may_hand_over), so they come back on.
 */
static inline __attribute__((always_inline)) int hand_over(struct percpu *cpu, struct thread *cur,
                                                           struct thread *t)
{
	uint64_t now = read_time();

	cur->state = THREAD_READY;
	runq_add_head(&cpu->runq, &cur->rq_node);
	t->slice_used = 0;
	sched_spin_unlock(&sched_spinlock);
	/*
	 * cur's slice under the run-queue lock alone (only this hart touches it),
	 * next to the switch's runtime update, so now - switched_at is read once.
	 */
	slice_preempted(cpu, cur, now);
	/* Nothing of t's priority was queued, and cur is below it. */
	switch_to_as(cpu, cur, t, now, SLICE_NO_EQUAL, true);
	arch_irq_enable();
	return 0;
}

/* sched_wake_unlock when t had a timeout armed, or no hand-over. */
static int __attribute__((noinline)) wake_unlock(struct thread *t, int result, unsigned long flags)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	leave_wait_queue(t, result);
	if (may_hand_over(cpu, cur, t, flags)) {
		sched_spin_lock(&cpu->runq_lock);
		if (!runq_has_prio_at_least(&cpu->runq, prio_of(t)))
			return hand_over(cpu, cur, t);
		sched_spin_unlock(&cpu->runq_lock);
	}
	sched_enqueue(t);
	sched_unlock(flags);
	return 0;
}

/* The common case, a hand-over with no timeout to cancel, with no call but tail calls. */
SCHED_FAST_PATH int sched_wake_unlock(struct thread *t, int result, unsigned long flags)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	if (likely(!t->wakeup_armed) && may_hand_over(cpu, cur, t, flags)) {
		sched_spin_lock(&cpu->runq_lock);
		if (likely(!runq_has_prio_at_least(&cpu->runq, prio_of(t)))) {
			leave_wait_queue_unarmed(t, result);
			return hand_over(cpu, cur, t);
		}
		sched_spin_unlock(&cpu->runq_lock);
	}
	return wake_unlock(t, result, flags);
}

void sched_runq_take(struct percpu *cpu, struct thread *t)
{
	runq_take(cpu, t);
}

/*
 * With cpu->runq_lock held: t, readied by this interrupt's timer for its exit
 * (cpu->woken), still comes first here: nothing queued meanwhile (or before)
 * is of its priority or higher, and no hart idles (one that went idle since
 * may take a thread: the general way offers it one). What changed since the
 * timer readied it (another hart's wake-up placed here, a priority change)
 * is under this lock or in the idle mask.
 */
static inline __attribute__((always_inline)) bool woken_first(struct percpu *cpu,
                                                              const struct thread *t)
{
#if SCHED_SMP
	if (__atomic_load_n(&sched_idle_mask, __ATOMIC_RELAXED))
		return false;
#endif
	return !runq_has_prio_at_least(&cpu->runq, prio_of(t));
}

/*
 * The switch to it: no queue round trip, no pick. Nothing here calls a
 * function that returns but arch_switch (the rare cases leave by calls that
 * switch themselves), so the frame keeps only the return address.
 */
static inline __attribute__((always_inline)) void
switch_to_woken(struct percpu *cpu, struct thread *cur, struct thread *t, uint64_t now)
{
	/* Nothing of t's priority or higher is queued (woken_first). */
	switch_kept_or_rest(cpu, cur, t, now, SLICE_NO_EQUAL, true);
}

/*
 * The preemption point at the end of every interrupt: kernel/irq.c calls it
 * when need_resched is set. A thread the timer readied (cpu->woken) runs
 * straight away when it still beats cur, which then keeps its turn at the
 * head of its priority as preempt_locked would leave it; the rarer cases
 * (cur's slice ran out: it goes behind its equals; it must leave this hart)
 * and every other preemption go the general way.
 */
SCHED_FAST_PATH void sched_irq_exit(void)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current, *t;

	if (!cur || (!PREEMPT_ENABLED && !is_idle(cur)))
		return;
	sched_spin_lock(&cpu->runq_lock);
	t = cpu->woken;
	if (t) {
		cpu->woken = NULL;
		if (likely(!is_idle(cur))) {
			if (likely(prio_of(t) < prio_of(cur) && !sched_must_move(cur) &&
			           !cur->timeslice_expired && woken_first(cpu, t))) {
				uint64_t now = read_time();

				cur->state = THREAD_READY;
				runq_add_head(&cpu->runq, &cur->rq_node);
				slice_preempted(cpu, cur, now);
				switch_to_woken(cpu, cur, t, now);
				return;
			}
		} else if (woken_first(cpu, t)) {
			cur->state = THREAD_READY; /* idle: never queued */
			switch_to_woken(cpu, cur, t, read_time());
			return;
		}
		/* Readied before anything queued since: first of its priority. */
		runq_add_head(&cpu->runq, &t->rq_node);
	}
	sched_preempt_locked(cpu);
}
