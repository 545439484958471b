/* SPDX-License-Identifier: MIT */
/* The IPC syscalls' entry and the tasks' handle tables (kernel/syscall_ipc.c). */
#ifndef BORA_SYSCALL_IPC_H
#define BORA_SYSCALL_IPC_H

#include <bora/handle.h>

struct task;
struct trap_frame;

/* A task's empty handle table (CONFIG_IPC_MAX_HANDLES slots): 0 or -ENOMEM. */
int ipc_task_init(struct task *t);
/* Close every handle and free the table (the task's threads are gone already). */
void ipc_task_destroy(struct task *t);
struct handle_table *ipc_task_table(struct task *t);
/*
 * Spawning: copy handles[0..count) of `from` into `to`'s empty table, which
 * finds them at 0..count-1 with the same rights and badges. Any bad handle
 * fails the whole set (its error: -EBADHANDLE...) and leaves `to` empty.
 */
int ipc_task_give(struct task *from, struct task *to, const long *handles, int count);

/*
 * SYS_SPAWN's a3/a4: copy `count` handle numbers from user memory at `uhandles`
 * and give them to the child (ipc_task_give). -EINVAL for a count outside
 * 0..CONFIG_IPC_MAX_HANDLES, -EFAULT for a bad array, or a handle's error.
 */
long ipc_spawn_give(struct task *parent, struct task *child, long uhandles, long count);

/*
 * CONFIG_USER_CONSOLE_SERVER (kernel/ipc_uart.c): install the console UART's
 * device page and interrupt object, both with the MAP right, in the next two
 * free slots of t's table (0 and 1 in a fresh task). The kernel stops taking
 * the UART's input until the interrupt object is gone. -EBUSY when another
 * task holds it already, -ENODEV when the console has no interrupt, -ENOMEM,
 * -ENOSPC.
 */
int ipc_uart_give(struct task *t);

/*
 * t is dying: wake each of its threads blocked in IPC (cancelled with
 * -EPEERDIED), so it leaves through the syscall exit instead of sleeping on.
 */
void ipc_task_interrupt(struct task *t);

/* SYS_IPC_BASE..: a0..a6 from the frame, a1..a6 written back; returns a0. */
long ipc_syscall_trap(struct trap_frame *tf);
/* The syscall table's entries for the IPC numbers: they work on the current task's frame. */
long sys_ipc(long a0, long a1, long a2, long a3, long a4, long a5);
/*
 * SYS_IPC_CALL and SYS_IPC_REPLY_RECV: arch/riscv/trap_entry.S sends them to
 * its own entries, which save the rest of the user registers and call these
 * (the user fast path, kernel/ipc_fastpath_user.c); they fall back to the
 * general path.
 */
/* The frame, and the info, words and handle the user passed (a1-a5, a0; all also in tf). */
long ipc_user_call(struct trap_frame *tf, uint64_t info, uint64_t w0, uint64_t w1, uint64_t w2,
                   uint64_t w3, uint64_t h);
long ipc_user_reply_recv(struct trap_frame *tf, uint64_t info, uint64_t w0, uint64_t w1,
                         uint64_t w2, uint64_t w3, uint64_t h);
/* The general path for the frame's call, then the dying task's exit. */
long ipc_syscall_general(struct trap_frame *tf);

/*
 * The IPC block of the syscall table (kernel/user/syscall.c). The entry never
 * looks up SYS_IPC_CALL and SYS_IPC_REPLY_RECV there (see above); sys_ipc, the
 * general path, would serve them too.
 */
#define SYSCALL_TABLE_IPC_ENTRIES [SYS_IPC_BASE... SYS_IPC_BASE + SYS_IPC_COUNT - 1] = sys_ipc

#endif
