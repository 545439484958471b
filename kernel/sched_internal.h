/* SPDX-License-Identifier: MIT */
/* Between the scheduler's files (kernel/sched*.c, thread.c, mutex.c); not an interface. */
#ifndef KERNEL_SCHED_INTERNAL_H
#define KERNEL_SCHED_INTERNAL_H

#include <bora/percpu.h>
#include <bora/thread.h>

#ifdef CONFIG_SMP
#define SCHED_SMP 1
#else
#define SCHED_SMP 0
#endif

/* thread.c */
struct thread *thread_init_main(unsigned int hart);
struct thread *thread_create_idle(unsigned int hart, void (*entry)(void *));
/* A secondary hart's idle thread on the stack it was started on (static, never freed). */
struct thread *thread_init_boot_idle(unsigned int hart, uintptr_t stack_base, size_t stack_size);

/* sched.c: with cpu->runq_lock held, interrupts off: put the running thread back, run the best. */
void sched_preempt_locked(struct percpu *cpu);

/* sched_handoff.c: runq_take (sched_switch.h) for sched_smp.c. */
void sched_runq_take(struct percpu *cpu, struct thread *t);

/* sched.c: the idle loop (a secondary hart's boot context becomes its idle thread). */
void sched_idle_loop(void) __attribute__((noreturn));
/* Bottom word of every stack (thread.c); a different value means it overflowed. */
#define STACK_SENTINEL 0xb0a5deadc0defeedULL

void thread_stack_overflowed(const struct thread *t) __attribute__((noreturn, cold));

/* With CONFIG_THREAD_STACK_SENTINEL: panic naming the thread when its sentinel changed. */
static inline void thread_check_sentinel(const struct thread *t)
{
#ifdef CONFIG_THREAD_STACK_SENTINEL
	if (unlikely(*(const uint64_t *)t->stack_base != STACK_SENTINEL))
		thread_stack_overflowed(t);
#else
	(void)t;
#endif
}

/* sched_time.c: timed wake-ups and time slices. */
void sched_arm_wakeup(struct thread *t, k_timeout_t timeout);
void sched_cancel_wakeup_armed(struct thread *t);

/* Most waits are FOREVER: test the flag inline, call only when a wake-up is armed. */
static inline void sched_cancel_wakeup(struct thread *t)
{
	if (t->wakeup_armed)
		sched_cancel_wakeup_armed(t);
}

/* ---- sched_smp.c: placement, stealing, migration (docs/smp.md) ---- */
#if SCHED_SMP
/*
 * Harts whose idle thread is about to wait or waiting for work (bit i: hart
 * index i). A hint, read without a lock: placement prefers these harts and
 * clears the bit of the one it picks, so a burst of wake-ups spreads out.
 */
extern uint64_t sched_idle_mask;

/* With sched_lock held (or t not yet visible): choose t's hart, set t->hart; returns it. */
struct percpu *sched_place(struct thread *t);

/* Set another hart's need_resched and send it a reschedule IPI. */
void sched_resched_remote(struct percpu *cpu);

/* t, queued on this hart (lock held), could run on an idle hart at once: wake one to steal it. */
void sched_kick_idle(const struct thread *t);

/* Interrupts off, no lock held: move one thread this hart may run onto its queue. */
bool sched_steal(struct percpu *me);

/* After the switch away from t (finish_switch): t left its affinity; queue it elsewhere. */
void sched_migrate_finish(struct thread *t);

/* t must leave this hart at the next switch (thread_set_affinity). */
static inline bool sched_must_move(const struct thread *t)
{
	return t->migrate;
}
#else
static inline bool sched_must_move(const struct thread *t)
{
	(void)t;
	return false;
}
#endif
#ifdef CONFIG_TIMESLICING
#include <bora/percpu.h>

/*
 * A thread preempted by a higher priority keeps what it used of its slice, so
 * a frequently waking high-priority thread cannot keep an equal-priority
 * peer from ever getting its turn; yielding, blocking or a full slice start
 * the next turn afresh.
 */
static inline void sched_slice_preempted(const struct percpu *cpu, struct thread *t, uint64_t now)
{
	t->slice_used += now - cpu->switched_at;
}

/* Point cpu->slice at the hart's slice timeout (sched_init). */
void sched_timeslice_init(struct percpu *cpu);

/* sched_set_timeslice_ms(0): no slice is ever needed, so none is armed (or cancelled) per switch.
 */
extern bool sched_slicing_off;

/* Arm (from percpu.switched_at) or cancel cpu's slice timeout. */
void sched_timeslice_set(struct percpu *cpu, bool on);

static inline bool sched_timeslice_pending(const struct percpu *cpu)
{
	return cpu->slice->pending;
}
#endif

/* mutex.c: a waiter for m left its wait queue without the mutex (timeout). */
void mutex_waiter_left(struct thread *t);

#endif
