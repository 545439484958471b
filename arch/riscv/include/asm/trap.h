/* SPDX-License-Identifier: MIT */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

/* Byte offsets into struct trap_frame, shared with trap_entry.S. */
#define TRAP_SEPC       (32 * 8)
#define TRAP_SSTATUS    (33 * 8)
#define TRAP_SCAUSE     (34 * 8)
#define TRAP_STVAL      (35 * 8)
#define TRAP_FRAME_SIZE (36 * 8) /* a multiple of 16: the psABI stack alignment */
/*
 * U-mode entry state in struct percpu, which sscratch points at while the hart
 * runs user code (arch/riscv/user_entry.c asserts the offsets).
 */
#define PERCPU_USER_FRAME 56 /* the frame of the thread in U-mode, set on each return */
#define PERCPU_USER_SP    64 /* the user's sp while entry sets up the frame */
/* struct percpu.current and struct thread.stack_base (static asserts in kernel/sched.c, thread.c).
 */
#define PERCPU_OFFSET_CURRENT    24
#define THREAD_OFFSET_STACK_BASE (14 * 8)
/* struct thread.on_cpu (a byte), which switch.S clears (static assert in kernel/sched.c). */
#define THREAD_OFFSET_ON_CPU 180
/* Where a boot-stack overflow is reported from (see trap_entry.S). */
#define TRAP_OVERFLOW_STACK_SIZE 4096

#ifndef __ASSEMBLER__
#include <bora/types.h>

struct trap_frame {
	uint64_t regs[32]; /* x0..x31; regs[0] unused, regs[2] = sp before the trap */
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
};

_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap frame layout");

void trap_handle(struct trap_frame *tf);

/* An exception taken in U-mode: a system call or a fault (kernel/user/). */
void user_exception(struct trap_frame *tf);
/*
 * Leave the kernel with the registers of *tf (sstatus.SPP clear: to U-mode),
 * on the kernel stack whose top is kstack_top: the frame is copied there and
 * the task's traps come back to that stack.
 */
__attribute__((noreturn)) void trap_enter_user(const struct trap_frame *tf, uintptr_t kstack_top);
#endif

#endif
