/* SPDX-License-Identifier: MIT */
/*
 * Fair (ticket) spinlock on GCC's __atomic builtins. A locker takes the next
 * ticket with one fetch-and-add (AMOADD.W on RV64, A extension) and waits
 * until `owner` reaches it; unlock advances `owner`. Harts get the lock in the
 * order they asked (Mellor-Crummey and Scott, "Algorithms for scalable
 * synchronization on shared-memory multiprocessors", TOCS 1991, section 2.2).
 * The same code compiles for the host unit tests, where "harts" are threads.
 *
 * In the kernel every hart counts the spinlocks it holds (struct percpu
 * spin_depth), so the scheduler can refuse to switch away from a hart that
 * holds one. CONFIG_SPINLOCK_DEBUG also records the holder and reports
 * recursion, unlock by a non-holder, and blocking with a lock held
 * (kernel/spinlock_debug.c).
 */
#ifndef BORA_SPINLOCK_H
#define BORA_SPINLOCK_H

#include <bora/irqflags.h>
#include <bora/spinlock_types.h>
#include <bora/types.h>

#if !defined(BORA_HOST)
#include <bora/percpu.h>
#define SPINLOCK_COUNT_DEPTH 1
#else
#include <sched.h>
#endif

#ifdef SPINLOCK_CHECKS
/* kernel/spinlock_debug.c; each returns false when the operation must not go on. */
bool spin_debug_before_lock(spinlock_t *l, const void *pc);
void spin_debug_after_lock(spinlock_t *l, const void *pc);
bool spin_debug_before_unlock(spinlock_t *l, const void *pc);
/* For tests: receives a report instead of the panic; the offending operation is then skipped. */
extern void (*spin_debug_hook)(const spinlock_t *l, const char *what, const void *pc);
#endif

/* Panics (CONFIG_SPINLOCK_DEBUG) when this hart holds a spinlock; `what` names the blocking call.
 */
#ifdef SPINLOCK_CHECKS
void spin_assert_none_held(const char *what);
#else
static inline void spin_assert_none_held(const char *what)
{
	(void)what;
}
#endif

/* Spinlocks this hart holds now (always 0 in host builds). */
static inline unsigned int spin_depth(void)
{
#ifdef SPINLOCK_COUNT_DEPTH
	return this_cpu()->spin_depth;
#else
	return 0;
#endif
}

/*
 * In a wait loop. Harts are never taken away while they spin; host threads
 * are, and a ticket lock with more threads than cores stalls whenever the
 * next ticket's thread is descheduled, so host builds give the core away.
 */
static inline void spin_relax(void)
{
#ifdef BORA_HOST
	sched_yield();
#endif
}

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(&l->word, 0, __ATOMIC_RELAXED);
#ifdef SPINLOCK_CHECKS
	l->holder = 0;
	l->holder_pc = NULL;
#endif
}

static inline void spin_depth_add(int delta)
{
#ifdef SPINLOCK_COUNT_DEPTH
	this_cpu()->spin_depth += (unsigned int)delta;
#else
	(void)delta;
#endif
}

/* Contended: wait for our turn (owner is the low half, only the holder moves it). */
static inline __attribute__((always_inline)) void spin_lock_wait(spinlock_t *l, uint32_t ticket)
{
	while (__atomic_load_n(&l->ticket.owner, __ATOMIC_ACQUIRE) != ticket)
		spin_relax();
}

/*
 * The lock without the held-lock count or the debug checks. One 64-bit
 * fetch-and-add takes the ticket (next, the high half) and reads the owner
 * in the same atomic access, so the uncontended lock is one AMO and a
 * compare; the acquire ordering rides on the AMO itself. RISC-V's memory
 * model makes AMOs of different sizes on overlapping bytes atomic with
 * respect to each other (unprivileged spec, RVWMO atomicity axiom), which
 * the 32-bit unlock below relies on.
 */
static inline __attribute__((always_inline)) void spin_lock_raw(spinlock_t *l)
{
	uint64_t old = __atomic_fetch_add(&l->word, 1ULL << 32, __ATOMIC_ACQUIRE);
	uint32_t ticket = (uint32_t)(old >> 32);

	if (unlikely((uint32_t)old != ticket))
		spin_lock_wait(l, ticket);
}

/* Only the holder writes owner: one atomic add with release ordering hands the lock on. */
static inline __attribute__((always_inline)) void spin_unlock_raw(spinlock_t *l)
{
#ifdef __riscv
	/* GCC 12 emits a full fence before a release AMO; the .rl bit alone is the release. */
	__asm__ volatile("amoadd.w.rl zero, %1, %0" : "+A"(l->ticket.owner) : "r"(1) : "memory");
#else
	__atomic_fetch_add(&l->ticket.owner, 1, __ATOMIC_RELEASE);
#endif
}

static inline __attribute__((always_inline)) void spin_lock(spinlock_t *l)
{
#ifdef SPINLOCK_CHECKS
	if (!spin_debug_before_lock(l, __builtin_return_address(0)))
		return;
#endif
	spin_lock_raw(l);
	spin_depth_add(1);
#ifdef SPINLOCK_CHECKS
	spin_debug_after_lock(l, __builtin_return_address(0));
#endif
}

/* Take the lock only if nobody holds or waits for it. */
static inline __attribute__((always_inline)) bool spin_trylock(spinlock_t *l)
{
	uint64_t old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

	if ((uint32_t)old != (uint32_t)(old >> 32))
		return false;
	if (!__atomic_compare_exchange_n(&l->word, &old, old + (1ULL << 32), false,
	                                 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	spin_depth_add(1);
#ifdef SPINLOCK_CHECKS
	spin_debug_after_lock(l, __builtin_return_address(0));
#endif
	return true;
}

static inline __attribute__((always_inline)) void spin_unlock(spinlock_t *l)
{
#ifdef SPINLOCK_CHECKS
	if (!spin_debug_before_unlock(l, __builtin_return_address(0)))
		return;
#endif
	spin_depth_add(-1);
	spin_unlock_raw(l);
}

/*
 * For locks only ever taken with interrupts off (the scheduler's, the timeout
 * tree's). With one hart that alone excludes every other holder, so
 * single-hart kernels compile the lock word away, as Linux does for UP. They
 * stay out of the held-lock count (spin_depth): a switch holds a run-queue
 * lock by design and a thread blocks holding sched_lock, so counting them
 * would say nothing. CONFIG_SPINLOCK_DEBUG builds with several harts check
 * them like any other; a single-hart one has no lock word to check (the
 * scheduler, for one, releases a switch's run-queue lock only on SMP).
 */
#if defined(BORA_HOST) || PERCPU_MAX_HARTS > 1
#define SPIN_IRQS_OFF_LOCKS 1
#else
#define SPIN_IRQS_OFF_LOCKS 0
#endif

static inline __attribute__((always_inline)) void spin_lock_irqs_off(spinlock_t *l)
{
#if SPIN_IRQS_OFF_LOCKS && defined(SPINLOCK_CHECKS)
	spin_lock(l);
#elif SPIN_IRQS_OFF_LOCKS
	spin_lock_raw(l);
#else
	(void)l;
	__asm__ volatile("" ::: "memory");
#endif
}

static inline __attribute__((always_inline)) void spin_unlock_irqs_off(spinlock_t *l)
{
#if SPIN_IRQS_OFF_LOCKS && defined(SPINLOCK_CHECKS)
	spin_unlock(l);
#elif SPIN_IRQS_OFF_LOCKS
	spin_unlock_raw(l);
#else
	(void)l;
	__asm__ volatile("" ::: "memory");
#endif
}

/*
 * For data an interrupt handler also takes: interrupts stay off on this hart
 * while the lock is held, or the handler would spin on a lock its own hart
 * holds. The returned flags restore the caller's interrupt state, so these nest.
 */
static inline __attribute__((always_inline)) unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

static inline __attribute__((always_inline)) void spin_unlock_irqrestore(spinlock_t *l,
                                                                         unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	uint64_t w = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

	return (uint32_t)w != (uint32_t)(w >> 32);
}

#endif
