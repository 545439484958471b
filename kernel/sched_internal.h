/* SPDX-License-Identifier: MIT */
/* Between the scheduler's files (kernel/sched*.c, thread.c, mutex.c); not an interface. */
#ifndef KERNEL_SCHED_INTERNAL_H
#define KERNEL_SCHED_INTERNAL_H

#include <bora/thread.h>

/* thread.c */
struct thread *thread_init_main(unsigned int hart);
struct thread *thread_create_idle(unsigned int hart, void (*entry)(void *));
/* Panics naming the thread when its stack sentinel was overwritten. */
void thread_check_sentinel(const struct thread *t);

/* sched_time.c: timed wake-ups and time slices. */
int sched_arm_wakeup(struct thread *t, k_timeout_t timeout); /* 0, -ENOTSUP */
void sched_cancel_wakeup(struct thread *t);
void sched_timeslice_start(struct thread *t);

/* mutex.c: a waiter for m left its wait queue without the mutex (timeout). */
void mutex_waiter_left(struct thread *t);

#endif
