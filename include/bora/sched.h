/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: per-hart ready queues (struct percpu.runq, <bora/sched_queue.h>),
 * the switch between threads, blocking and waking.
 *
 * Locks, always taken in this order, both with interrupts off:
 *   sched_lock       one, global: thread states other than ready/running,
 *                    every wait queue, the state of every synchronization
 *                    object (mutex owner, semaphore count, queue ring),
 *                    priorities, affinities and the inheritance chains;
 *   percpu.runq_lock one per hart: that hart's ready queue and its switch.
 *                    A switch holds the hart's runq_lock until arch_switch()
 *                    has saved the outgoing thread's registers, and releases
 *                    it there (SPINLOCK_DEBUG builds: the incoming thread
 *                    does, in sched_finish_switch). Nobody holds two.
 *   the timeout lock (kernel/timeout.c), taken under either.
 * SMP (docs/smp.md): sched_enqueue() places a ready thread on a hart
 * (kernel/sched_smp.c) and sends that hart a reschedule IPI when the thread
 * should preempt there; idle harts steal; thread->on_cpu keeps a thread from
 * being resumed on one hart before another has saved its registers.
 *
 * Preemption points (CONFIG_PREEMPT): the return from an interrupt
 * (sched_irq_exit) and the end of any call that made a higher-priority
 * thread ready (sched_unlock). Cooperative builds switch only when the
 * running thread blocks, sleeps, yields or exits.
 */
#ifndef BORA_SCHED_H
#define BORA_SCHED_H

#include <bora/percpu.h>
#include <bora/spinlock.h>
#include <bora/thread.h>
#include <bora/types.h>
#include <bora/wait.h>

/* Make kernel_main the thread "main" and create this hart's idle thread. */
void sched_init(void);

/*
 * Called by irq_entry when the last nested interrupt handler returns and
 * need_resched is set (it does not test need_resched again).
 */
void sched_irq_exit(void);

/* ---- for synchronization objects (kernel/mutex.c, sem.c, msgq.c, thread.c) ---- */

extern spinlock_t sched_spinlock;

/* The scheduler's locks are only ever taken with interrupts off (see <bora/spinlock.h>). */
static inline __attribute__((always_inline)) void sched_spin_lock(spinlock_t *l)
{
	spin_lock_irqs_off(l);
}

static inline __attribute__((always_inline)) void sched_spin_unlock(spinlock_t *l)
{
	spin_unlock_irqs_off(l);
}

/*
 * For the few-instruction fast paths of the synchronization calls (no call
 * but tail calls): no frame of their own, so they cost what their work costs.
 * A backtrace through them still walks the caller's frames.
 */
#define SCHED_FAST_PATH __attribute__((optimize("omit-frame-pointer")))

/* The out-of-line half of sched_unlock(): a wake-up asked for a switch. */
void sched_unlock_resched(unsigned long flags);

/* The same, for sched_unlock_ret(): returns ret (so callers tail-call it). */
int sched_unlock_resched_ret(unsigned long flags, int ret);

/* Take the global scheduler lock, interrupts off; returns the previous interrupt state. */
static inline unsigned long sched_lock(void)
{
	unsigned long flags = arch_irq_save();

	sched_spin_lock(&sched_spinlock);
	return flags;
}

/* Release it and restore interrupts; switch first if a wake-up asked for it (PREEMPT). */
static inline void sched_unlock(unsigned long flags)
{
	sched_spin_unlock(&sched_spinlock);
	if (unlikely(this_cpu()->need_resched))
		sched_unlock_resched(flags);
	else
		arch_irq_restore(flags);
}

/* sched_unlock(flags); return ret; with the switch, if any, as a tail call. */
static inline int sched_unlock_ret(unsigned long flags, int ret)
{
	sched_spin_unlock(&sched_spinlock);
	if (unlikely(this_cpu()->need_resched))
		return sched_unlock_resched_ret(flags, ret);
	arch_irq_restore(flags);
	return ret;
}

/*
 * sched_unlock_ret for a critical section that woke nobody: it cannot have
 * asked for a switch, so need_resched is not looked at. Another hart's request
 * comes with an IPI that is taken when interrupts come back on, and one left
 * from before (interrupts were off, or in a handler) could not be acted on here
 * either (sched_unlock_resched switches only with interrupts on, outside
 * handlers, where nothing leaves need_resched set).
 */
static inline int sched_unlock_nowake_ret(unsigned long flags, int ret)
{
	sched_spin_unlock(&sched_spinlock);
	arch_irq_restore(flags);
	return ret;
}

/*
 * With sched_lock held: block the current thread on wq (wait_what names it for
 * ps) until sched_wake() or the timeout, switch away, and return the wait
 * result with sched_lock released and interrupts restored to `flags`.
 * The caller has already ruled out NO_WAIT and interrupt context. A timeout
 * removes the thread from wq and returns -ETIMEDOUT.
 */
int sched_block(struct wait_queue *wq, const char *wait_what, k_timeout_t timeout,
                unsigned long flags);

/*
 * Direct hand-off (the IPC fast paths: block_handoff and block_handoff_user in
 * kernel/sched_switch.h, inline there): with sched_lock held, block the current
 * thread on wq with no timeout, as sched_block, and run `next` — blocked on a
 * wait queue, which it leaves with wait result 0 — at once on this hart,
 * without a pass through the run queue. Returns like sched_block. Only for a
 * next that sched_can_handoff() accepts: blocked, allowed on this hart, and
 * at least as urgent as the current thread (so nothing ready is skipped).
 * wq must be the current thread's own (nobody else waits on it, nothing
 * wakes by looking into it): the thread is not linked into it while it waits.
 *
 * sched_can_handoff_busy is the test for a current thread known not to be
 * the idle thread, such as one in a system call (the idle thread never
 * leaves the kernel): the user fast path's.
 */
static inline __attribute__((always_inline)) bool sched_can_handoff_from(const struct thread *next,
                                                                         bool cur_may_be_idle)
{
	const struct percpu *cpu = this_cpu();
	const struct thread *cur = cpu->current;

	return next->state == THREAD_BLOCKED && (next->affinity & (1ULL << cpu->index)) &&
	       (!cur_may_be_idle || !(cur->flags & THREAD_F_IDLE)) &&
	       next->rq_node.prio <= cur->rq_node.prio
#if PERCPU_MAX_HARTS > 1
	       /* and another hart has finished switching away from it (thread.h on_cpu) */
	       && !__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)
#endif
	    ;
}

static inline bool sched_can_handoff(const struct thread *next)
{
	return sched_can_handoff_from(next, true);
}

static inline bool sched_can_handoff_busy(const struct thread *next)
{
	return sched_can_handoff_from(next, false);
}

/* With sched_lock held: take t off its wait queue, cancel its timeout, make it ready. */
void sched_wake(struct thread *t, int result);

/*
 * sched_wake(t, result) then sched_unlock(flags), switching straight to t when
 * it should run at once (preemptive, t beats everything ready here).
 */
int sched_wake_unlock(struct thread *t, int result, unsigned long flags); /* returns 0 */

/* With sched_lock held: the waiter that a wake-up would pick, or NULL. */
static inline struct thread *wait_queue_first(const struct wait_queue *wq)
{
	struct list_node *n = list_first(&wq->waiters);

	return n ? list_entry(n, struct thread, wait_link) : NULL;
}

/* With sched_lock held: wake every waiter with `result`; returns how many. */
int wait_queue_wake_all(struct wait_queue *wq, int result);

/*
 * With sched_lock held: change t's effective priority, keeping the queue it is
 * on (ready or wait queue) in order; asks for a switch when needed.
 */
void sched_set_effective_prio(struct thread *t, unsigned int prio);

/* ---- the seam for placement and picking (SMP) ---- */

/* With sched_lock held or for t not yet visible: queue a READY thread on a hart. */
void sched_enqueue(struct thread *t);

/* With cpu->runq_lock held: remove and return the thread cpu runs next (its idle if none). */
struct thread *sched_pick_next(struct percpu *cpu);

/* ---- used by thread.c ---- */

/* Never returns: the current thread is DEAD (set under sched_lock, still held). */
void sched_exit_locked(void) __attribute__((noreturn));

/* Every switch-in of a thread ends here (switch.S returns, new threads start). */
void sched_finish_switch(struct thread *prev);

/* sleep: -EINVAL for FOREVER. */
int sched_sleep(k_timeout_t timeout);

void sched_yield(void);

/*
 * The context switch (arch/riscv/switch.S): save into prev, load next; returns
 * prev. Between the two, with SMP, prev->on_cpu is cleared and `unlock` (the
 * hart's run-queue lock, or NULL to keep it) released, both with release
 * ordering: from then on another hart may resume prev.
 */
struct thread *arch_switch(struct thread *prev, struct thread *next, spinlock_t *unlock);

/* As arch_switch without saving prev's registers (prev keeps no continuation). */
void arch_switch_load(struct thread *prev, struct thread *next, spinlock_t *unlock)
    __attribute__((noreturn));

/*
 * The same, to next's user context in `frame` (arch/riscv/trap_entry.S): the
 * stack moves to the frame, prev is released as arch_switch does, then every
 * register comes from the frame and sret returns to U-mode.
 */
struct trap_frame;
void arch_resume_user(struct trap_frame *frame, struct thread *prev, spinlock_t *unlock)
    __attribute__((noreturn));

/*
 * Time slice length for equal priorities from now on, 0 to stop slicing
 * (CONFIG_TIMESLICE_MS at boot). -ENOTSUP without CONFIG_TIMESLICING.
 */
int sched_set_timeslice_ms(uint32_t ms);

/*
 * A secondary hart joins the scheduler (kernel/smp/bringup.c): before it
 * checks in, its run queue and its idle thread (its boot context, on the
 * stack [stack_base, stack_base + stack_size)); once online, its timer and
 * interrupts, then the idle loop for good.
 */
void sched_secondary_prepare(uintptr_t stack_base, size_t stack_size);
void sched_secondary_run(void) __attribute__((noreturn));

/* Kconfig choices as words, for boot lines and tests. */
const char *sched_description(void);

#endif
