/* SPDX-License-Identifier: MIT */
/*
 * Bora's system-call ABI, shared by the kernel and user programs.
 *
 * `ecall` from U-mode with a7 = number and a0..a5 = arguments; the result
 * comes back in a0: >= 0 on success, -errno (<uapi/bora/errno.h>) on failure.
 * Every other register the C calling convention calls callee-saved is kept;
 * the caller-saved ones (t0-t6, a1-a7, ra) may hold anything afterwards except
 * kernel data (the kernel clears or restores them).
 *
 * Numbers are stable: a new call takes the next free number of its group.
 * 0-63 tasks, threads, memory and console (this file); 64-127 IPC and handles
 * (<uapi/bora/ipc.h>, from SYS_IPC_BASE). Anything else returns -ENOSYS.
 */
#ifndef UAPI_BORA_SYSCALL_H
#define UAPI_BORA_SYSCALL_H

#define SYS_NULL          0  /* () -> 0; the cheapest round trip, for benchmarks */
#define SYS_EXIT          1  /* (status) -> never returns; ends the whole task */
#define SYS_YIELD         2  /* () -> 0 */
#define SYS_SLEEP         3  /* (milliseconds) -> 0 */
#define SYS_WRITE         4  /* (buf, len) -> bytes written to the console */
#define SYS_READ          5  /* (buf, len) -> bytes read from the console (blocks for >= 1) */
#define SYS_MMAP          6  /* (addr or 0, len, prot) -> address; anonymous, zeroed */
#define SYS_MUNMAP        7  /* (addr, len) -> 0 */
#define SYS_MPROTECT      8  /* (addr, len, prot) -> 0 */
#define SYS_THREAD_CREATE 9  /* (entry, stack top, arg) -> thread id */
#define SYS_THREAD_EXIT   10 /* () -> never returns; the last thread's exit ends the task (0) */
#define SYS_SPAWN         11 /* (name, argv, argc) -> task id of the new child */
#define SYS_WAIT          12 /* (task id, &status) -> 0 once that child has exited */
#define SYS_TASK_ID       13 /* () -> the calling task's id */
#define SYS_KILL          14 /* (task id of a child) -> 0 */

#define SYS_MAX 128 /* numbers >= this are never valid */

/* SYS_MMAP / SYS_MPROTECT protections; W together with X is refused (-EINVAL). */
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

/* SYS_SPAWN limits: arguments, each argument's length, and all of them together. */
#define SPAWN_MAX_ARGS     16
#define SPAWN_MAX_ARG_LEN  128
#define SPAWN_MAX_ARGS_LEN 1024
#define TASK_NAME_MAX      32 /* a program name, NUL included */

/*
 * Exit status of a task the kernel killed for a fault: 128 + the RISC-V
 * exception code (privileged spec table 4.2), so it never collides with a
 * status a program passes to SYS_EXIT (0..127 by convention).
 */
#define EXIT_STATUS_FAULT_BASE 128
#define EXIT_STATUS_KILLED     255 /* SYS_KILL or the shell's `kill` */

/* The user half of Sv39: [USER_VA_START, USER_VA_END). Programs link at USER_LINK_BASE. */
#define USER_VA_START  0x10000UL
#define USER_VA_END    0x4000000000UL /* 2^38: the top of the canonical lower half */
#define USER_LINK_BASE 0x10000000UL
/* The main thread's stack: USER_STACK_SIZE below USER_STACK_TOP, a guard page below it. */
#define USER_STACK_TOP  0x3fffff0000UL
#define USER_STACK_SIZE 0x10000UL

#endif
