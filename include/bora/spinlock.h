/* SPDX-License-Identifier: MIT */
/*
 * Test-and-set spinlock on GCC's __atomic builtins: on RV64 they become AMOSWAP.W
 * with .aq/.rl (A extension), on the host the native equivalent, so mm/ code
 * that takes a lock compiles unchanged for the unit tests.
 */
#ifndef BORA_SPINLOCK_H
#define BORA_SPINLOCK_H

#include <bora/irqflags.h>
#include <bora/types.h>

typedef struct spinlock {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0                                                                                  \
	}

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELAXED);
}

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/*
 * For data an interrupt handler also takes: interrupts stay off on this hart
 * while the lock is held, or the handler would spin on a lock its own hart
 * holds. The returned flags restore the caller's interrupt state, so these nest.
 */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
