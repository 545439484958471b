/* SPDX-License-Identifier: MIT */
/*
 * Counting semaphore: take decrements (waiting while the count is 0), give
 * increments up to a limit or hands the unit straight to the most urgent
 * waiter. Give works from interrupt handlers; take only with NO_WAIT there.
 *
 * Errors (negative): EINVAL bad arguments or a destroyed semaphore; EAGAIN
 * NO_WAIT and the count is 0; ETIMEDOUT the timeout passed; ECANCELED the
 * semaphore was destroyed while waiting; EOVERFLOW give at the limit (the
 * count stays); EIRQCTX a blocking take from an interrupt handler.
 */
#ifndef BORA_SEM_H
#define BORA_SEM_H

#include <bora/types.h>
#include <bora/wait.h>

struct sem {
	unsigned int count;
	unsigned int limit;
	struct wait_queue waiters;
	uint32_t magic;
};

/* 1 <= limit, initial <= limit; else -EINVAL. */
int sem_init(struct sem *s, unsigned int initial, unsigned int limit);
int sem_take(struct sem *s, k_timeout_t timeout);
int sem_give(struct sem *s);
unsigned int sem_count(const struct sem *s);

/* Wake every waiter with -ECANCELED; the semaphore is unusable until sem_init. Waiters woken. */
int sem_destroy(struct sem *s);

#endif
