/* SPDX-License-Identifier: MIT */
/*
 * Test-and-set spinlock on GCC's __atomic builtins: on RV64 they become AMOSWAP.W
 * with .aq/.rl (A extension), on the host the native equivalent, so mm/ code
 * that takes a lock compiles unchanged for the unit tests.
 */
#ifndef BORA_SPINLOCK_H
#define BORA_SPINLOCK_H

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

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
