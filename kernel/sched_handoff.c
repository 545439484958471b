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
