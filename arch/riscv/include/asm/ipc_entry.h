/* SPDX-License-Identifier: MIT */
/*
 * What the user IPC fast path's entry and exit in trap_entry.S hard-code:
 * the syscall numbers it dispatches itself (<uapi/bora/ipc.h>, whose C
 * helpers an assembler file cannot include), where struct percpu keeps the
 * run-queue lock its exit releases and whether the exit releases it.
 * kernel/ipc_fastpath_user.c asserts each.
 */
#ifndef ASM_IPC_ENTRY_H
#define ASM_IPC_ENTRY_H

#define IPC_ENTRY_SYS_BASE       64 /* SYS_IPC_BASE: the IPC block, up to SYS_MAX */
#define IPC_ENTRY_SYS_CALL       66 /* SYS_IPC_CALL */
#define IPC_ENTRY_SYS_REPLY_RECV 68 /* SYS_IPC_REPLY_RECV: the call's number + 2 */
#define PERCPU_OFFSET_RUNQ_LOCK  72 /* offsetof(struct percpu, runq_lock) */

/* kernel/sched_switch.h's SWITCH_UNLOCKS: the exit, not C, releases the run-queue lock. */
#if defined(CONFIG_SMP) && !defined(CONFIG_SPINLOCK_DEBUG)
#define IPC_ENTRY_SWITCH_UNLOCKS 1
#else
#define IPC_ENTRY_SWITCH_UNLOCKS 0
#endif

#endif
