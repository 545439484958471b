/* SPDX-License-Identifier: MIT */
/*
 * The spinlock type alone, for headers that embed a lock (struct percpu) and
 * are themselves included by <bora/spinlock.h>; the operations are there.
 */
#ifndef BORA_SPINLOCK_TYPES_H
#define BORA_SPINLOCK_TYPES_H

#include <bora/types.h>

#if defined(CONFIG_SPINLOCK_DEBUG) && !defined(BORA_HOST)
#define SPINLOCK_CHECKS 1
#endif

typedef struct spinlock {
	/* One word so spin_trylock can compare both halves at once; owner is the low half. */
	union {
		uint64_t word;
		struct {
			uint32_t owner; /* the ticket being served */
			uint32_t next;  /* the ticket the next locker gets */
		} ticket;
	};
#ifdef SPINLOCK_CHECKS
	uint32_t holder;       /* hart index + 1; 0 when free */
	const void *holder_pc; /* where the holder took it */
#endif
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		.word = 0                                                                          \
	}

#endif
