// SPDX-License-Identifier: MIT
/*
 * Scheduling across harts (docs/smp.md): where a ready thread goes, how idle
 * harts take work from busy ones, affinity and the move of a thread off a
 * hart its affinity no longer allows, and the start of the scheduler on a
 * secondary hart.
 *
 * Locking (the order of <bora/sched.h>: sched_lock, then one runq_lock, then
 * the timeout lock): placement and stealing run under sched_lock and take one
 * run-queue lock at a time, so no hart ever holds two run-queue locks and no
 * order between them is needed. A switch holds its own hart's runq_lock and
 * never waits for anything else while it does; the only waits on
 * thread->on_cpu are made by code that is not switching (a waker under
 * sched_lock, thread_join), so a chain of harts waiting on each other cannot
 * close into a cycle.
 */
#include <bora/errno.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/smp.h>
#include <bora/thread.h>
#include <bora/timer.h>
#include <asm/csr.h>

#include "sched_internal.h"

#ifdef CONFIG_SMP

#define SIE_STIE (1UL << 5) /* supervisor timer interrupt enable (privileged spec 4.1.3) */

uint64_t sched_idle_mask;

static inline uint64_t bit(unsigned int i)
{
	return 1ULL << i;
}

static inline bool hart_is_busy(const struct percpu *cpu)
{
	const struct thread *cur = __atomic_load_n(&cpu->current, __ATOMIC_RELAXED);

	return cur && !(cur->flags & THREAD_F_IDLE);
}

/* Threads waiting for or running on cpu; read without its lock, so a hint. */
static unsigned int load_of(const struct percpu *cpu)
{
	return __atomic_load_n(&cpu->runq.count, __ATOMIC_RELAXED) + hart_is_busy(cpu);
}

/* The allowed hart with the least load, ties to the lowest index. */
static unsigned int least_loaded(uint64_t allowed)
{
	unsigned int best = 0, best_load = ~0u;

	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		unsigned int l;

		if (!(allowed & bit(i)))
			continue;
		l = load_of(&percpu_harts[i]);
		if (l < best_load) {
			best = i;
			best_load = l;
		}
	}
	return best;
}

/*
 * Its last hart when it idles (its cache may still hold the thread's data),
 * else any idle hart it may run on, else its last hart if still allowed,
 * else the least loaded allowed hart.
 */
struct percpu *sched_place(struct thread *t)
{
	uint64_t allowed = t->affinity & smp_online_mask();
	unsigned int last = t->hart, target;

	t->migrate = false;
	if (unlikely(!allowed)) /* affinity is checked against online harts when set */
		allowed = bit(0);
	if (allowed == bit(last)) {
		target = last; /* pinned, or one hart online */
	} else {
		uint64_t idle = __atomic_load_n(&sched_idle_mask, __ATOMIC_RELAXED) & allowed;

		if (idle & bit(last))
			target = last;
		else if (idle)
			target = least_loaded(idle);
		else if (allowed & bit(last))
			target = last;
		else
			target = least_loaded(allowed);
		/* Claimed: the next wake-up looks for another idle hart. */
		if (idle & bit(target))
			__atomic_fetch_and(&sched_idle_mask, ~bit(target), __ATOMIC_RELAXED);
	}
	if (target != last) {
		/*
		 * Its last hart may still be switching away from it (it blocked
		 * and was woken at once). That hart holds nothing we hold and
		 * waits for nothing, so this ends within the rest of a switch.
		 */
		while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			__asm__ volatile("" ::: "memory");
		t->hart = target;
	}
	return &percpu_harts[target];
}

void sched_resched_remote(struct percpu *cpu)
{
	__atomic_store_n(&cpu->need_resched, true, __ATOMIC_RELAXED);
	smp_send_reschedule(cpu->index);
}

void sched_kick_idle(const struct thread *t)
{
	uint64_t idle = __atomic_load_n(&sched_idle_mask, __ATOMIC_RELAXED) & t->affinity &
	                ~bit(this_cpu()->index);

	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		if (!(idle & bit(i)))
			continue;
		/* Its idle loop wakes, finds nothing of its own and steals. */
		__atomic_fetch_and(&sched_idle_mask, ~bit(i), __ATOMIC_RELAXED);
		smp_send_reschedule(i);
		return;
	}
}

static bool may_run_on(const struct runq_node *n, void *ctx)
{
	const struct thread *t = container_of(n, struct thread, rq_node);

	return (t->affinity & bit((unsigned int)(uintptr_t)ctx)) != 0;
}

/*
 * Under sched_lock, so the thread is on no queue for a moment without anyone
 * looking for it there (priority and affinity changes take sched_lock). A
 * thread found on a hart's queue under that hart's lock has been switched
 * away from completely: the switch released that lock only after clearing
 * on_cpu.
 */
bool sched_steal(struct percpu *me)
{
	uint64_t others = smp_online_mask() & ~bit(me->index);
	struct thread *t = NULL;
	bool any = false;

	for (unsigned int i = 0; i < PERCPU_MAX_HARTS && !any; i++)
		any = (others & bit(i)) &&
		      __atomic_load_n(&percpu_harts[i].runq.count, __ATOMIC_RELAXED) != 0;
	if (!any)
		return false;
	sched_spin_lock(&sched_spinlock);
	/* Start after this hart, so idle harts do not all go for the same victim. */
	for (unsigned int k = 1; k < PERCPU_MAX_HARTS && !t; k++) {
		struct percpu *v = &percpu_harts[(me->index + k) % PERCPU_MAX_HARTS];
		struct runq_node *n;

		if (!(others & bit(v->index)) || !__atomic_load_n(&v->runq.count, __ATOMIC_RELAXED))
			continue;
		sched_spin_lock(&v->runq_lock);
		n = runq_find(&v->runq, may_run_on, (void *)(uintptr_t)me->index);
		if (n)
			runq_remove(&v->runq, n);
		sched_spin_unlock(&v->runq_lock);
		if (n)
			t = container_of(n, struct thread, rq_node);
	}
	if (t) {
		t->hart = me->index;
		sched_spin_lock(&me->runq_lock);
		runq_add_tail(&me->runq, &t->rq_node);
		sched_spin_unlock(&me->runq_lock);
	}
	sched_spin_unlock(&sched_spinlock);
	return t != NULL;
}

void sched_migrate_finish(struct thread *t)
{
	unsigned long flags = sched_lock();

	sched_enqueue(t); /* placement follows its affinity now */
	sched_unlock(flags);
}

int thread_set_affinity(struct thread *t, uint64_t mask)
{
	struct thread *self = thread_current();
	unsigned long flags;

	if (!t || (t->flags & THREAD_F_IDLE) || !(mask & smp_online_mask()))
		return -EINVAL;
	if (t == self && in_interrupt())
		return -EIRQCTX;
	flags = sched_lock();
	t->affinity = mask;
	if (!(mask & bit(t->hart))) {
		struct percpu *cpu = &percpu_harts[t->hart];

		switch (t->state) {
		case THREAD_READY:
		case THREAD_RUNNING:
			/*
			 * Which of the two only cpu's run-queue lock tells: a
			 * switch there may pick t or put it back meanwhile.
			 */
			sched_spin_lock(&cpu->runq_lock);
			if (t->state == THREAD_READY) {
				sched_runq_take(cpu, t);
				sched_spin_unlock(&cpu->runq_lock);
				sched_enqueue(t);
				break;
			}
			/* It moves at its hart's next switch (finish_switch). */
			t->migrate = true;
			if (t == self)
				cpu->need_resched = true;
			else
				sched_resched_remote(cpu);
			sched_spin_unlock(&cpu->runq_lock);
			break;
		case THREAD_BLOCKED:
		case THREAD_SLEEPING:
			t->migrate = true; /* placed by its wake-up; no hand-over here meanwhile */
			break;
		default:
			break;
		}
	}
	sched_unlock(flags); /* preemptive builds move the caller here */
	/* Cooperative builds, or interrupts were off: move now. */
	while (t == self && !(mask & bit(this_cpu()->index)))
		sched_yield();
	return 0;
}

uint64_t thread_get_affinity(const struct thread *t)
{
	return t->affinity;
}

/* ---- a secondary hart joins the scheduler ---- */

void sched_secondary_prepare(uintptr_t stack_base, size_t stack_size)
{
	struct percpu *cpu = this_cpu();

	spin_lock_init(&cpu->runq_lock);
	runq_init(&cpu->runq);
#ifdef CONFIG_TIMESLICING
	sched_timeslice_init(cpu);
#endif
	cpu->idle = thread_init_boot_idle(cpu->index, stack_base, stack_size);
	cpu->current = cpu->idle;
	cpu->switched_at = read_time();
}

void sched_secondary_run(void)
{
	/*
	 * Tickless: this hart's timer fires for the deadlines it arms itself
	 * (the timer driver programs the arming hart). With a periodic tick the
	 * boot hart's tick serves every hart, its effects reaching the others
	 * by reschedule IPIs, so this hart's timer stays off.
	 */
	if (timer_tick_ticks() == 0) {
		timer_set_deadline(UINT64_MAX);
		__asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE) : "memory");
	}
	arch_irq_enable();
	sched_idle_loop();
}

#else /* !CONFIG_SMP */

int thread_set_affinity(struct thread *t, uint64_t mask)
{
	if (!t || (t->flags & THREAD_F_IDLE) || !(mask & 1))
		return -EINVAL;
	t->affinity = mask;
	return 0;
}

uint64_t thread_get_affinity(const struct thread *t)
{
	return t->affinity;
}

#endif /* CONFIG_SMP */
