/* SPDX-License-Identifier: MIT */
/* Shared between the files of kernel/user/ only. */
#ifndef KERNEL_USER_INTERNAL_H
#define KERNEL_USER_INTERNAL_H

#include <bora/task.h>

struct user_program {
	const char *name;
	const uint8_t *image;
	uint64_t size;
};

/* The table scripts/mk/user.mk generates, in name order. */
extern const struct user_program user_programs[];
extern const uint64_t user_program_count;

void uspace_init(void);

/* kernel/user/task.c, for the thread side in task_thread.c. */
void task_release_memory(struct task *t); /* the space and handles, at the end */
void task_init_user_frame(struct trap_frame *tf, uint64_t pc, uint64_t sp, uint64_t a0,
                          uint64_t a1);
extern struct sem task_reaper_wake; /* given when a detached task has ended */

/* The system calls, one group per file (sys_task.c, sys_mem.c, sys_console.c). */
long sys_null(long, long, long, long, long, long);
long sys_exit(long, long, long, long, long, long);
long sys_yield(long, long, long, long, long, long);
long sys_sleep(long, long, long, long, long, long);
long sys_write(long, long, long, long, long, long);
long sys_read(long, long, long, long, long, long);
long sys_mmap(long, long, long, long, long, long);
long sys_munmap(long, long, long, long, long, long);
long sys_mprotect(long, long, long, long, long, long);
long sys_thread_create(long, long, long, long, long, long);
long sys_thread_exit(long, long, long, long, long, long);
long sys_spawn(long, long, long, long, long, long);
long sys_wait(long, long, long, long, long, long);
long sys_task_id(long, long, long, long, long, long);
long sys_kill(long, long, long, long, long, long);

#endif
