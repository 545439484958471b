// SPDX-License-Identifier: MIT
/*
 * The system-call table and U-mode exceptions. A call is a7 = number, a0..a5
 * = arguments (<uapi/bora/syscall.h>); trap_entry.S indexes this table
 * directly and calls the handler with a0..a5 still in their registers, the
 * result going back in a0. Each handler checks its own arguments. Adding a
 * call: its number in the uapi header, a handler in the file of its group,
 * one line here. A handler that needs the caller's other registers (or
 * returns more than a0) uses task_user_frame(): a0-a7 are in it, and a1-a7
 * are reloaded from it on the way out.
 */
#include <bora/errno.h>
#include <bora/printk.h>
#include <bora/trap.h>
#include <asm/csr.h>
#include <asm/trap.h>
#include <uapi/bora/errno.h>
#include "internal.h"
#ifdef CONFIG_IPC
#include <bora/syscall_ipc.h>
#endif

/* User code sees the same numbers the kernel returns. */
_Static_assert(ENOSYS == 38 && EFAULT == 14 && EINVAL == 22 && ECHILD == 10 && E2BIG == 7,
               "uapi errno values");

const syscall_fn syscall_table[SYS_MAX] = {
    [SYS_NULL] = sys_null,
    [SYS_EXIT] = sys_exit,
    [SYS_YIELD] = sys_yield,
    [SYS_SLEEP] = sys_sleep,
    [SYS_WRITE] = sys_write,
    [SYS_READ] = sys_read,
    [SYS_MMAP] = sys_mmap,
    [SYS_MUNMAP] = sys_munmap,
    [SYS_MPROTECT] = sys_mprotect,
    [SYS_THREAD_CREATE] = sys_thread_create,
    [SYS_THREAD_EXIT] = sys_thread_exit,
    [SYS_SPAWN] = sys_spawn,
    [SYS_WAIT] = sys_wait,
    [SYS_TASK_ID] = sys_task_id,
    [SYS_KILL] = sys_kill,
#ifdef CONFIG_IPC
    SYSCALL_TABLE_IPC_ENTRIES, /* kernel/syscall_ipc.c */
#endif
};

long sys_null(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

/* The address a fault is about: stval for memory accesses, the instruction's pc otherwise. */
static uint64_t fault_address(const struct trap_frame *tf)
{
	switch (tf->scause) {
	case EXC_ILLEGAL_INST:
	case EXC_BREAKPOINT:
		return tf->sepc; /* stval holds the instruction bits (or 0) */
	default:
		return tf->stval;
	}
}

void user_exception(struct trap_frame *tf)
{
	struct task *t = task_current();

	/* ecall never gets here: trap_entry.S sends it to syscall_table directly. */
	printk("task %s (%zu): %s at %#lx (sepc %#lx) \xe2\x80\x94 killed\n", t->name, t->id,
	       trap_cause_name(tf->scause), (unsigned long)fault_address(tf),
	       (unsigned long)tf->sepc);
	task_exit_current(EXIT_STATUS_FAULT_BASE + (int)tf->scause);
}
