/* SPDX-License-Identifier: MIT */
/*
 * The switch between threads and the wait-queue steps around it, inline for
 * the scheduler's two files (kernel/sched.c: picking, blocking, preemption;
 * kernel/sched_handoff.c: switches straight to a chosen thread). Not an
 * interface. Each includes the ready queue's code inline first
 * (<bora/sched_queue.h>).
 */
#ifndef KERNEL_SCHED_SWITCH_H
#define KERNEL_SCHED_SWITCH_H

/* Each file defines RUNQ_API as static inline before its first include. */
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/task.h>
#include <asm/csr.h>

#include "sched_internal.h"
#ifdef CONFIG_USERSPACE
#include "user/aspace_switch.h"
#endif

#include "sched_bitmap.c"
#include "sched_simple.c"

#ifdef CONFIG_PREEMPT
#define PREEMPT_ENABLED 1
#else
#define PREEMPT_ENABLED 0
#endif

static inline bool is_idle(const struct thread *t)
{
	return t->flags & THREAD_F_IDLE;
}

static inline unsigned int prio_of(const struct thread *t)
{
	return t->rq_node.prio;
}

static inline void slice_preempted(const struct percpu *cpu, struct thread *t, uint64_t now)
{
#ifdef CONFIG_TIMESLICING
	sched_slice_preempted(cpu, t, now);
#else
	(void)cpu;
	(void)t;
	(void)now;
#endif
}

/*
 * t, woken here, may take this hart at once: it last ran here, may stay, and
 * no hart idles (placement would give it an idle one and leave the waker
 * running). Always true with one hart.
 */
static inline bool hand_over_here(const struct percpu *cpu, const struct thread *t)
{
#if SCHED_SMP
	return t->hart == cpu->index && !t->migrate &&
	       !__atomic_load_n(&sched_idle_mask, __ATOMIC_RELAXED);
#else
	(void)cpu;
	(void)t;
	return true;
#endif
}

/*
 * With cpu->runq_lock held, t ready on cpu: take it off cpu's ready threads,
 * its queue or cpu->woken (a thread the timer readied for the interrupt's
 * exit, kernel/sched_time.c).
 */
static inline void runq_take(struct percpu *cpu, struct thread *t)
{
	if (unlikely(cpu->woken == t))
		cpu->woken = NULL;
	else
		runq_remove(&cpu->runq, &t->rq_node);
}

/* What a switch's caller knows about next's equals on the queue, for timeslice_check. */
enum slice_hint {
	SLICE_LOOK,        /* nothing: look at the queue */
	SLICE_NO_EQUAL,    /* nothing of next's priority or higher is queued */
	SLICE_EQUAL_READY, /* an equal of next is queued (a yield's rotation) */
	SLICE_NOT_IDLE,    /* nothing, but next is not the idle thread (an IPC peer) */
};

/*
 * With cpu->runq_lock held: cur's turn needs a time slice (an equal is
 * ready) and none is armed, so timeslice_check_hint would arm one.
 */
static inline __attribute__((always_inline)) bool
timeslice_wanted(struct percpu *cpu, const struct thread *cur, enum slice_hint hint)
{
#ifdef CONFIG_TIMESLICING
	/*
	 * Armed when needed, never cancelled here: a slice no longer needed
	 * fires once and finds nothing to do (slice_expired checks again), which
	 * costs less than a cancel at one switch and a re-arm at the next when a
	 * higher-priority thread comes and goes. A lone thread or an idle hart
	 * takes at most that one slice interrupt.
	 */
	return hint != SLICE_NO_EQUAL && (hint == SLICE_NOT_IDLE || !is_idle(cur)) &&
	       !sched_slicing_off &&
	       (hint == SLICE_EQUAL_READY || runq_has_prio_at_least(&cpu->runq, prio_of(cur))) &&
	       !sched_timeslice_pending(cpu);
#else
	(void)cpu;
	(void)cur;
	(void)hint;
	return false;
#endif
}

/* With cpu->runq_lock held: cur's turn may need a time slice (an equal is ready). */
static inline __attribute__((always_inline)) void
timeslice_check_hint(struct percpu *cpu, const struct thread *cur, enum slice_hint hint)
{
#ifdef CONFIG_TIMESLICING
	if (timeslice_wanted(cpu, cur, hint))
		sched_timeslice_set(cpu, true);
#else
	(void)cpu;
	(void)cur;
	(void)hint;
#endif
}

static inline void timeslice_check(struct percpu *cpu, const struct thread *cur)
{
	timeslice_check_hint(cpu, cur, SLICE_LOOK);
}

/*
 * arch_switch releases prev and this hart's run-queue lock itself, right
 * after prev's registers are stored (arch/riscv/switch.S), except in
 * SPINLOCK_DEBUG builds, whose unlock goes through the checks in C.
 */
#if SCHED_SMP && !defined(SPINLOCK_CHECKS)
#define SWITCH_UNLOCKS 1
#else
#define SWITCH_UNLOCKS 0
#endif

/* The tail of every switch, in the thread switched to (inlined into the hot paths). */
static inline __attribute__((always_inline)) void finish_switch(struct thread *prev)
{
#if SCHED_SMP
	struct percpu *cpu = this_cpu(); /* the hart we run on now, whatever prev's was */
	struct thread *moving = cpu->moving;

#if !SWITCH_UNLOCKS
	sched_spin_unlock(&cpu->runq_lock);
#endif
	if (unlikely(moving)) {
		cpu->moving = NULL;
		sched_migrate_finish(moving);
	}
#endif
	(void)prev;
}

/*
 * With cpu->runq_lock held and interrupts off; prev is queued, blocked,
 * asleep or dead, or still RUNNING when it leaves a hart outside its
 * affinity (preempt_current, sched_yield); `prev_ready`: the caller knows it
 * is not (it queued or blocked prev itself). `now` is the time CSR read by
 * the caller.
 * Everything about next is settled here, before the switch (its address
 * space, its time slice), so what the thread switched to does afterwards is
 * only finish_switch.
 */
static inline __attribute__((always_inline)) void
switch_prepare_state(struct percpu *cpu, struct thread *prev, struct thread *next, uint64_t now,
                     bool prev_ready)
{
	cpu->need_resched = false;
	prev->runtime_ticks += now - cpu->switched_at;
	cpu->switched_at = now;
	thread_check_sentinel(prev);
	next->state = THREAD_RUNNING; /* next->hart is cpu already: it was on cpu's queue */
#if SCHED_SMP
	next->on_cpu = 1;
	/* Read while prev is ours: another hart may run it once arch_switch released it. */
	if (!prev_ready && unlikely(prev->state == THREAD_RUNNING))
		cpu->moving = prev;
#else
	(void)prev_ready;
#endif
	next->switches++;
	cpu->current = next;
}

/* switch_prepare_state, then next's address space and time slice. */
static inline __attribute__((always_inline)) void
switch_prepare_as(struct percpu *cpu, struct thread *prev, struct thread *next, uint64_t now,
                  enum slice_hint hint, bool prev_ready)
{
	switch_prepare_state(cpu, prev, next, now, prev_ready);
#ifdef CONFIG_USERSPACE
	/* A user task's thread runs in its address space; kernel threads in whatever is loaded. */
	if (next->task)
		task_switch_mm(next);
#endif
	timeslice_check_hint(cpu, next, hint);
}

static inline __attribute__((always_inline)) void switch_prepare(struct percpu *cpu,
                                                                 struct thread *prev,
                                                                 struct thread *next, uint64_t now,
                                                                 enum slice_hint hint)
{
	switch_prepare_as(cpu, prev, next, now, hint, false);
}

/* The lock arch_switch releases (NULL: finish_switch does). */
#define SWITCH_UNLOCK(cpu) (SWITCH_UNLOCKS ? &(cpu)->runq_lock : NULL)

static inline __attribute__((always_inline)) void
switch_to_as(struct percpu *cpu, struct thread *prev, struct thread *next, uint64_t now,
             enum slice_hint hint, bool prev_ready)
{
	switch_prepare_as(cpu, prev, next, now, hint, prev_ready);
	prev = arch_switch(prev, next, SWITCH_UNLOCK(cpu));
	finish_switch(prev);
}

static inline __attribute__((always_inline)) void switch_to_at(struct percpu *cpu,
                                                               struct thread *prev,
                                                               struct thread *next, uint64_t now,
                                                               enum slice_hint hint)
{
	switch_to_as(cpu, prev, next, now, hint, false);
}

static inline __attribute__((always_inline)) void switch_to(struct percpu *cpu, struct thread *prev,
                                                            struct thread *next)
{
	switch_to_at(cpu, prev, next, read_time(), SLICE_LOOK);
}

static inline void wait_queue_insert(struct wait_queue *wq, struct thread *t)
{
	struct list_node *pos;

	list_for_each(pos, &wq->waiters)
	{
		if (prio_of(list_entry(pos, struct thread, wait_link)) > prio_of(t))
			break;
	}
	list_insert_before(&t->wait_link, pos);
}

/* With sched_lock held: the current thread waits on wq (the caller switches away). */
static inline void block_on(struct thread *cur, struct wait_queue *wq, const char *wait_what)
{
	cur->wait_on = wq;
	cur->wait_what = wait_what;
	cur->wait_result = 0;
	wait_queue_insert(wq, cur);
	cur->state = THREAD_BLOCKED;
}

/*
 * With sched_lock held: the current thread waits on wq, a queue nobody else
 * ever waits on (the IPC hand-offs'), without being linked into it: no
 * wake-up looks for a waiter there, everything that ends the wait goes by
 * wait_on (leave_wait_queue), and a priority change links it (harmlessly).
 */
static inline void block_on_private(struct thread *cur, struct wait_queue *wq,
                                    const char *wait_what)
{
	cur->wait_on = wq;
	cur->wait_what = wait_what;
	cur->wait_result = 0;
	cur->state = THREAD_BLOCKED;
}

/* leave_wait_queue for a thread known to have no wake-up armed. */
static inline void leave_wait_queue_unarmed(struct thread *t, int result)
{
	/* Not linked while it waits on a private queue (block_on_private). */
	if (list_linked(&t->wait_link))
		list_del(&t->wait_link);
	t->wait_on = NULL;
	t->wait_result = result;
}

static inline void leave_wait_queue(struct thread *t, int result)
{
	leave_wait_queue_unarmed(t, result);
	sched_cancel_wakeup(t);
}

/*
 * With sched_lock held: cur blocks on wq, next leaves its wait to run here;
 * runq_lock taken. `armed`: next may have a timed wake-up to cancel (false
 * only where the caller checked).
 */
static inline __attribute__((always_inline)) void
handoff_prepare_armed(struct percpu *cpu, struct thread *cur, struct wait_queue *wq,
                      const char *wait_what, struct thread *next, bool armed)
{
	block_on_private(cur, wq, wait_what);
	if (armed)
		leave_wait_queue(next, 0);
	else
		leave_wait_queue_unarmed(next, 0);
	next->hart = cpu->index; /* switch_to expects a thread placed on this hart */
#if SCHED_SMP
	next->migrate = false; /* sched_can_handoff checked its affinity */
#endif
	sched_spin_lock(&cpu->runq_lock);
	sched_spin_unlock(&sched_spinlock);
}

static inline __attribute__((always_inline)) void
handoff_prepare(struct percpu *cpu, struct thread *cur, struct wait_queue *wq,
                const char *wait_what, struct thread *next)
{
	handoff_prepare_armed(cpu, cur, wq, wait_what, next, true);
}

/*
 * With cpu->runq_lock held and next's state settled (switch_prepare_state):
 * next's address space and time slice in their common case, inline. False:
 * nothing done, the caller goes to switch_prepare_rest (out of line, so the
 * common case of a hand-off or a yield makes no call that returns and needs
 * no callee-saved registers for it).
 */
static inline __attribute__((always_inline)) bool
switch_prepare_kept_hint(struct percpu *cpu, struct thread *next, enum slice_hint hint)
{
	if (unlikely(timeslice_wanted(cpu, next, hint)))
		return false;
#ifdef CONFIG_USERSPACE
	if (next->task && unlikely(!aspace_activate_kept(cpu, &next->task->as)))
		return false;
#endif
	return true;
}

/* The hand-offs': next is an IPC peer, never the idle thread. */
static inline __attribute__((always_inline)) bool switch_prepare_kept(struct percpu *cpu,
                                                                      struct thread *next)
{
	return switch_prepare_kept_hint(cpu, next, SLICE_NOT_IDLE);
}

/* What switch_prepare_kept left: next's address space through the allocator, its time slice. */
static inline __attribute__((always_inline)) void
switch_prepare_rest(struct percpu *cpu, struct thread *next, enum slice_hint hint)
{
#ifdef CONFIG_USERSPACE
	/* Straight to the allocator when the inline case fails (ASIDs off: every time). */
	if (next->task && !aspace_activate_kept(cpu, &next->task->as))
		aspace_activate_assign(&next->task->as);
#endif
	timeslice_check_hint(cpu, next, hint);
}

/*
 * sched_handoff.c: the switch when switch_prepare_kept_hint could not settle
 * next (returns prev, as arch_switch), and the hand-off of a peer with a
 * timed wake-up to cancel.
 */
struct thread *sched_switch_rest(struct percpu *cpu, struct thread *cur, struct thread *next,
                                 enum slice_hint hint);
int sched_handoff_armed(struct wait_queue *wq, const char *wait_what, struct thread *next,
                        unsigned long flags);

/*
 * With cpu->runq_lock held and interrupts off: the switch of the hot paths
 * (a yield, a switch away from a blocked or preempted thread, a hand-over).
 * Next is settled inline in the common case, which calls nothing that
 * returns but arch_switch; the rare cases switch from sched_switch_rest.
 * Arguments as switch_prepare_state's and switch_prepare_kept_hint's.
 */
static inline __attribute__((always_inline)) void
switch_kept_or_rest(struct percpu *cpu, struct thread *prev, struct thread *next, uint64_t now,
                    enum slice_hint hint, bool prev_ready)
{
	switch_prepare_state(cpu, prev, next, now, prev_ready);
	if (likely(switch_prepare_kept_hint(cpu, next, hint)))
		prev = arch_switch(prev, next, SWITCH_UNLOCK(cpu));
	else
		prev = sched_switch_rest(cpu, prev, next, hint);
	finish_switch(prev);
}

#ifdef CONFIG_USERSPACE
/* With next settled and the run-queue lock held: leave through next's frame or its context. */
static inline __attribute__((always_inline, noreturn)) void
handoff_user_leave(struct percpu *cpu, struct thread *cur, struct thread *next,
                   struct trap_frame *next_frame)
{
	if (next_frame) {
#if !SWITCH_UNLOCKS
		sched_spin_unlock(&cpu->runq_lock);
#endif
		arch_resume_user(next_frame, cur, SWITCH_UNLOCK(cpu));
	}
	arch_switch_load(cur, next, SWITCH_UNLOCK(cpu));
}

void sched_handoff_user_finish(struct percpu *cpu, struct thread *cur, struct thread *next,
                               struct trap_frame *next_frame) __attribute__((noreturn));
void sched_handoff_user_armed(struct wait_queue *wq, const char *wait_what, struct thread *next,
                              struct trap_frame *next_frame) __attribute__((noreturn));

/*
 * arch/riscv/trap_entry.S: arch_resume_user, with a0 = 0 and a1-a6 given
 * here instead of read from the frame; the run-queue lock is released when
 * arch_switch would release it (SWITCH_UNLOCKS).
 */
void arch_resume_user_ret(struct trap_frame *frame, uint64_t a1, uint64_t a2, uint64_t a3,
                          uint64_t a4, uint64_t a5, uint64_t a6, struct thread *prev)
    __attribute__((noreturn));

/* The results `ret` (a1..a6, a0 = 0) into a frame the hand-off leaves through. */
static inline __attribute__((always_inline)) void frame_set_ret(struct trap_frame *f,
                                                                const uint64_t *ret)
{
	if (f && ret) {
		f->regs[10] = 0;
		f->regs[11] = ret[0];
		f->regs[12] = ret[1];
		f->regs[13] = ret[2];
		f->regs[14] = ret[3];
		f->regs[15] = ret[4];
		f->regs[16] = ret[5];
	}
}

/*
 * The hand-off of <bora/sched.h> (sched_can_handoff) for a user thread in a
 * system call that keeps no kernel continuation while it waits (the user IPC
 * fast path, kernel/ipc_fastpath_user.c): its registers are all in its trap
 * frame and the caller has pointed its context (ctx.ra, ctx.sp) at the code
 * that finishes the call when something wakes it. next_frame not NULL: next
 * waits the same way and enters U-mode from that frame directly, with a0 = 0
 * and a1-a6 from `ret` (NULL: its results are in the frame already); else
 * next's saved context is loaded. Never returns. Its common case makes no
 * call that returns (the rare cases leave by the calls above, which never
 * return, with `ret` written into the frame first), so it keeps nothing in
 * callee-saved registers and has no frame to store: next's address space is
 * loaded inline when it keeps its ASID on this hart (aspace_activate_kept),
 * and its results go to U-mode in registers.
 */
static inline __attribute__((always_inline, noreturn)) void
block_handoff_user(struct wait_queue *wq, const char *wait_what, struct thread *next,
                   struct trap_frame *next_frame, const uint64_t *ret)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	if (unlikely(next->wakeup_armed)) {
		frame_set_ret(next_frame, ret);
		sched_handoff_user_armed(wq, wait_what, next, next_frame);
	}
	handoff_prepare_armed(cpu, cur, wq, wait_what, next, false);
	switch_prepare_state(cpu, cur, next, read_time(), true); /* cur blocked just now */
	if (unlikely(!switch_prepare_kept(cpu, next))) {
		frame_set_ret(next_frame, ret);
		sched_handoff_user_finish(cpu, cur, next, next_frame);
	}
	if (next_frame && ret) {
#if !SWITCH_UNLOCKS
		sched_spin_unlock(&cpu->runq_lock);
#endif
		arch_resume_user_ret(next_frame, ret[0], ret[1], ret[2], ret[3], ret[4], ret[5],
		                     cur);
	}
	handoff_user_leave(cpu, cur, next, next_frame);
}
#endif

/*
 * The hand-off of <bora/sched.h> (sched_can_handoff), for the IPC fast path between kernel threads
 * (kernel/ipc_fastpath.c): one frame for the IPC logic and the switch, so
 * each side saves and restores its registers once. A peer with a timed
 * wake-up to cancel, a space that needs an ASID, a slice to arm go out of
 * line; the common case calls nothing but arch_switch, so what the frame
 * keeps across it is only what the caller needs afterwards.
 */
static inline __attribute__((always_inline)) int block_handoff(struct wait_queue *wq,
                                                               const char *wait_what,
                                                               struct thread *next,
                                                               unsigned long flags)
{
	struct percpu *cpu = this_cpu();
	struct thread *cur = cpu->current;

	if (unlikely(next->wakeup_armed))
		return sched_handoff_armed(wq, wait_what, next, flags);
	handoff_prepare_armed(cpu, cur, wq, wait_what, next, false);
	/* cur blocked just now; next is an IPC peer, never the idle thread. */
	switch_kept_or_rest(cpu, cur, next, read_time(), SLICE_NOT_IDLE, true);
	arch_irq_restore(flags);
	return this_cpu()->current->wait_result;
}

#endif
