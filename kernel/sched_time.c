// SPDX-License-Identifier: MIT
/*
 * Time in the scheduler: the wake-up of a thread whose sleep or timed wait
 * ends, and time slices. Both ride on the timeout structure (<bora/timeout.h>,
 * kernel/timeout.c); the callbacks run in the timer interrupt with interrupts
 * off, so whatever they make ready runs from sched_irq_exit().
 *
 * Time slices are lazy: one timeout per hart, armed when another thread of
 * the running thread's priority is ready and not cancelled when that ends (it
 * then fires once for nothing, so a thread running alone, or an idle hart,
 * takes at most one slice interrupt). When it fires it checks how long
 * the current thread has run since it was switched in (percpu.switched_at):
 * a full slice ends its turn (it goes behind its equals), a partial one
 * re-arms for the rest.
 */
/* The ready queue's code is compiled in here, inline (see <bora/sched_queue.h>). */
#define RUNQ_API static inline __attribute__((unused))
#include <bora/errno.h>
#include <bora/percpu.h>
#include <bora/sched.h>

#include <bora/timer.h>

#include "sched_internal.h"
#include "sched_switch.h"

/*
 * With sched_lock held, in this hart's timer interrupt: t, whose sleep or
 * timed wait just ended, should run here at once (the tests of the waking
 * give's hand-over, sched_wake_unlock: it last ran here, may stay, no hart
 * idles, it beats the current thread). Then it is not queued only to be
 * picked again at the interrupt's exit: it becomes ready in cpu->woken, on no
 * queue, and sched_irq_exit switches to it (kernel/sched_handoff.c), after
 * checking under the run-queue lock that nothing queued here meanwhile (or
 * before) comes first. Not taking that lock here is safe: cpu->woken and t's
 * state are written under sched_lock, which everything that looks at a ready
 * thread off its own hart holds (priority and affinity changes, runq_take),
 * and read at the exit by this hart. One such thread at a time; a second
 * goes through sched_enqueue. Whether the running thread must leave this
 * hart or its slice ran out is left to the exit, which looks anyway.
 */
static inline __attribute__((always_inline)) bool ready_at_exit(struct percpu *cpu,
                                                                struct thread *t)
{
	struct thread *cur = cpu->current;

	if (!cpu->irq_nesting || cpu->woken || !cur || !hand_over_here(cpu, t))
		return false;
	/* sched_irq_exit switches away from the idle thread even in a cooperative build. */
	if (!is_idle(cur) && (!PREEMPT_ENABLED || prio_of(t) >= prio_of(cur)))
		return false;
	t->state = THREAD_READY;
	t->slice_used = 0;
	cpu->woken = t;
	cpu->need_resched = true;
	return true;
}

/* wakeup_expired's less common ends, out of line so that its common one keeps no frame. */
static void __attribute__((noinline)) enqueue_unlock(struct thread *t)
{
	sched_enqueue(t);
	sched_spin_unlock(&sched_spinlock);
}

static void __attribute__((noinline)) blocked_expired(struct percpu *cpu, struct thread *t)
{
	leave_wait_queue_unarmed(t, -ETIMEDOUT);
	if (!ready_at_exit(cpu, t))
		sched_enqueue(t);
	if (t->blocked_mutex)
		mutex_waiter_left(t);
	sched_spin_unlock(&sched_spinlock);
}

/*
 * The timeout-versus-wake race across harts: timeout_expire() takes the
 * timeout off its tree and calls this without a lock, so a waker on another
 * hart may get sched_lock first, wake t, and t may even block again before
 * this runs. The waker's cancel then fails (nothing pending) and counts the
 * expiry as stale; a stale expiry only consumes that count. So a wait ends
 * exactly once: by the waker, or by the timeout if it got sched_lock first
 * (then the waker finds t no longer waiting).
 */
static void SCHED_FAST_PATH wakeup_expired(struct timeout *to)
{
	struct thread *t = container_of(to, struct thread, timeout);
	struct percpu *cpu = this_cpu();

	/*
	 * In the timer interrupt, interrupts off: the lock alone, no interrupt
	 * state to save, and no switch here (the interrupt's exit is the
	 * preemption point).
	 */
	sched_spin_lock(&sched_spinlock);
	if (unlikely(t->wakeup_stale)) {
		t->wakeup_stale--;
		sched_spin_unlock(&sched_spinlock);
		return;
	}
	t->wakeup_armed = false;
	if (t->state == THREAD_SLEEPING) {
		if (unlikely(!ready_at_exit(cpu, t))) {
			enqueue_unlock(t);
			return;
		}
	} else if (t->state == THREAD_BLOCKED) {
		blocked_expired(cpu, t);
		return;
	}
	sched_spin_unlock(&sched_spinlock);
}

void sched_arm_wakeup(struct thread *t, k_timeout_t timeout)
{
	t->wakeup_armed = true;
	/* timer_us_to_ticks rounds up: the wait is never shorter than asked. */
	timeout_arm(&t->timeout, timer_now() + timer_us_to_ticks((uint64_t)timeout.us),
	            wakeup_expired);
}

void sched_cancel_wakeup_armed(struct thread *t)
{
	t->wakeup_armed = false;
	if (!timeout_cancel(&t->timeout))
		t->wakeup_stale++; /* already expired: its callback is on its way */
}

#ifdef CONFIG_TIMESLICING
static struct timeout sched_slice_timeouts[PERCPU_MAX_HARTS];
static uint64_t slice_ticks; /* 0: not computed yet */
bool sched_slicing_off;      /* sched_set_timeslice_ms(0) */

static void slice_expired(struct timeout *to)
{
	struct percpu *cpu = &percpu_harts[to - sched_slice_timeouts];
	struct thread *cur = cpu->current;

	sched_spin_lock(&cpu->runq_lock);
	if (cur && !(cur->flags & THREAD_F_IDLE) &&
	    runq_has_prio_at_least(&cpu->runq, cur->rq_node.prio)) {
		uint64_t due = cpu->switched_at + slice_ticks - MIN(cur->slice_used, slice_ticks);

		if (timer_now() >= due) {
			cur->timeslice_expired = true;
#ifdef CONFIG_SMP
			/* The timer interrupt of whichever hart armed it runs this. */
			if (cpu != this_cpu())
				sched_resched_remote(cpu);
			else
#endif
				cpu->need_resched = true;
		} else {
			timeout_arm(to, due, slice_expired);
		}
	}
	sched_spin_unlock(&cpu->runq_lock);
}

void sched_timeslice_init(struct percpu *cpu)
{
	cpu->slice = &sched_slice_timeouts[cpu->index];
}

void sched_timeslice_set(struct percpu *cpu, bool on)
{
	struct timeout *to = cpu->slice;

	if (!on || sched_slicing_off) {
		timeout_cancel(to);
		return;
	}
	if (!slice_ticks)
		slice_ticks = timer_ms_to_ticks(CONFIG_TIMESLICE_MS);
	timeout_arm(to, cpu->switched_at + slice_ticks - MIN(cpu->current->slice_used, slice_ticks),
	            slice_expired);
}

int sched_set_timeslice_ms(uint32_t ms)
{
	unsigned long flags = sched_lock();

	sched_slicing_off = ms == 0;
	if (ms)
		slice_ticks = timer_ms_to_ticks(ms);
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++)
		timeout_cancel(
		    &sched_slice_timeouts[i]); /* re-armed at the next switch if needed */
	sched_unlock(flags);
	return 0;
}

#else  /* !CONFIG_TIMESLICING */
int sched_set_timeslice_ms(uint32_t ms)
{
	(void)ms;
	return -ENOTSUP;
}
#endif /* CONFIG_TIMESLICING */
