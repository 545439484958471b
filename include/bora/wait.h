/* SPDX-License-Identifier: MIT */
/*
 * What every blocking call takes and what it blocks on.
 *
 * k_timeout_t says how long a blocking call may wait:
 *   NO_WAIT           never block: fail at once with -EAGAIN when the call
 *                     cannot complete;
 *   FOREVER           block until the call completes (or the object is
 *                     destroyed);
 *   TIMEOUT_MS(n),
 *   TIMEOUT_US(n)     block at most that long, then fail with -ETIMEDOUT.
 *                     The deadline is rounded up to the next timer tick, so
 *                     a call never returns early; it returns late by at most
 *                     one tick plus scheduling delay.
 * A call woken because its object was destroyed returns -ECANCELED. A
 * blocking call (anything but NO_WAIT) from an interrupt handler returns
 * -EIRQCTX without touching the object. Each header lists its call's errors.
 *
 * struct wait_queue holds the threads blocked on one object, highest
 * priority first and first come first served within a priority, so a wake-up
 * always goes to the most urgent waiter. Wait queues are protected by the
 * scheduler lock (see <bora/sched.h>).
 */
#ifndef BORA_WAIT_H
#define BORA_WAIT_H

#include <bora/list.h>
#include <bora/types.h>

typedef struct {
	int64_t us; /* 0: NO_WAIT, < 0: FOREVER */
} k_timeout_t;

#define NO_WAIT       ((k_timeout_t){0})
#define FOREVER       ((k_timeout_t){-1})
#define TIMEOUT_US(n) ((k_timeout_t){(int64_t)(n) < 0 ? 0 : (int64_t)(n)})
#define TIMEOUT_MS(n) TIMEOUT_US((int64_t)(n)*1000)

static inline bool timeout_is_no_wait(k_timeout_t t)
{
	return t.us == 0;
}

static inline bool timeout_is_forever(k_timeout_t t)
{
	return t.us < 0;
}

struct wait_queue {
	struct list_node waiters; /* struct thread.wait_link */
};

#define WAIT_QUEUE_INIT(name)                                                                      \
	{                                                                                          \
		LIST_HEAD_INIT((name).waiters)                                                     \
	}

static inline void wait_queue_init(struct wait_queue *wq)
{
	list_init(&wq->waiters);
}

static inline bool wait_queue_empty(const struct wait_queue *wq)
{
	return list_empty(&wq->waiters);
}

#endif
