/* SPDX-License-Identifier: MIT */
/*
 * A fake environment for the IPC state machine on the host: threads that
 * "block" by returning IPC_BLOCKED, a log of wake-ups, per-task user memory
 * with an unmapped page, and kzalloc/kfree over calloc/free with a count of
 * live objects. Shared by the unit tests and the fuzz target.
 */
#ifndef TESTS_IPC_FAKE_H
#define TESTS_IPC_FAKE_H

#include <bora/ipc_syscall.h>

#define FAKE_HANDLES   8
#define FAKE_USER_BASE 0x10000ull
#define FAKE_USER_SIZE (4 * IPC_BUF_MAX)
/* The third page of user memory is "unmapped": copies touching it fail with -EFAULT. */
#define FAKE_USER_HOLE (FAKE_USER_BASE + 2 * IPC_BUF_MAX)

struct fake_task {
	struct handle_table table;
	struct handle slots[FAKE_HANDLES];
	uint8_t mem[FAKE_USER_SIZE];
};

struct fake_thread {
	struct ipc_thread ipc;
	struct fake_task *task;
	bool blocked;        /* ipc_env_block left it asleep */
	uint32_t timeout_ms; /* what it blocked with */
	unsigned wakes;      /* ipc_env_wake calls */
	uint8_t staging[IPC_BUF_MAX];
};

void fake_task_init(struct fake_task *task);
void fake_thread_init(struct fake_thread *t, struct fake_task *task);
struct fake_thread *fake_of(struct ipc_thread *t);

/* Wake-up log: the threads ipc_env_wake saw, in order (reset clears it). */
extern struct fake_thread *fake_wake_log[64];
extern unsigned fake_wake_count;
void fake_wake_log_reset(void);

/* Interrupt sources (by number, < 64) as the hooks left them, and the last device mapping. */
extern bool fake_irq_masked[64];
extern unsigned fake_irq_detached[64];
extern struct fake_mapping {
	uint64_t va, phys, size;
	unsigned count;
} fake_mapping;
void fake_irq_reset(void);

/* Objects allocated through kzalloc and not yet freed. */
extern long fake_live_allocs;

#endif
