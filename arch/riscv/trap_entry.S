/* SPDX-License-Identifier: MIT */
/*
 * Supervisor trap entry: save every integer register and the trap CSRs into a
 * struct trap_frame on the current stack, call trap_handle(frame), restore and
 * sret. The frame layout must match struct trap_frame in <asm/trap.h>.
 * Interrupts taken in S-mode and system calls from U-mode take shorter paths
 * that save only what the C code they call may clobber (see each).
 *
 * A trap taken with sp inside the boot stack's guard page (or too close above
 * it to hold a frame) is a stack overflow: pushing the frame there would fault
 * again and again, each nested entry moving sp lower until it lands on .bss.
 * Such a trap switches to trap_overflow_stack first, so the report runs on
 * memory nothing else uses. Thread stacks (kernel/thread.c) have a guard page
 * below them too; the running thread's is found through tp (struct percpu).
 *
 * U-mode: while a hart runs user code, sscratch points at the hart's struct
 * percpu; in S-mode sscratch is 0. Entry swaps tp with sscratch: non-zero
 * means the trap came from U-mode, and tp is then already the kernel's. The
 * frame goes where percpu.user_frame says (the top of the thread's kernel
 * stack, which the frame it left through occupies: set on every return to
 * U-mode), with the user's sp and tp saved in it. The way out to U-mode
 * points sscratch back at the percpu of the hart it leaves from.
 */
#include <asm/csr.h>
#include <asm/ipc_entry.h>
#include <asm/trap.h>
#include <uapi/bora/errno.h>
#include <uapi/bora/syscall.h>

	/*
	 * s0-s11 into / out of the trap frame at sp: the full frame's save and
	 * restore, and the paths that add them to a system call's (IPC).
	 */
	.macro	SAVE_S
	sd	s0, 8*8(sp)
	sd	s1, 9*8(sp)
	sd	s2, 18*8(sp)
	sd	s3, 19*8(sp)
	sd	s4, 20*8(sp)
	sd	s5, 21*8(sp)
	sd	s6, 22*8(sp)
	sd	s7, 23*8(sp)
	sd	s8, 24*8(sp)
	sd	s9, 25*8(sp)
	sd	s10, 26*8(sp)
	sd	s11, 27*8(sp)
	.endm

	.macro	LOAD_S
	ld	s0, 8*8(sp)
	ld	s1, 9*8(sp)
	ld	s2, 18*8(sp)
	ld	s3, 19*8(sp)
	ld	s4, 20*8(sp)
	ld	s5, 21*8(sp)
	ld	s6, 22*8(sp)
	ld	s7, 23*8(sp)
	ld	s8, 24*8(sp)
	ld	s9, 25*8(sp)
	ld	s10, 26*8(sp)
	ld	s11, 27*8(sp)
	.endm

	.section .text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw	tp, sscratch, tp
	bnez	tp, .Lfrom_user
	csrrw	tp, sscratch, zero
	/* sscratch holds t0 only until the csrr below, where nothing can fault. */
	csrw	sscratch, t0
	csrr	t0, scause
	bgez	t0, .Lkernel_exception
	/*
	 * An interrupt in S-mode: the handler is C code, which keeps s0-s11
	 * itself (psABI), and any switch away from this thread saves them in
	 * its context (switch.S); gp is fixed and tp per hart. So only ra,
	 * t0-t6, a0-a7, sepc and sstatus are saved, in the same trap_frame
	 * layout (the other slots stay unwritten). When there is no current
	 * thread yet, or sp is within a frame of its stack's base, the
	 * checked full path below takes the interrupt instead.
	 */
	ld	t0, PERCPU_OFFSET_CURRENT(tp)
	beqz	t0, .Lkernel_exception
	ld	t0, THREAD_OFFSET_STACK_BASE(t0)
	addi	t0, t0, TRAP_FRAME_SIZE
	bltu	sp, t0, .Lkernel_exception
	addi	sp, sp, -TRAP_FRAME_SIZE
	sd	ra, 1*8(sp)
	sd	t1, 6*8(sp)
	sd	t2, 7*8(sp)
	sd	a0, 10*8(sp)
	sd	a1, 11*8(sp)
	sd	a2, 12*8(sp)
	sd	a3, 13*8(sp)
	sd	a4, 14*8(sp)
	sd	a5, 15*8(sp)
	sd	a6, 16*8(sp)
	sd	a7, 17*8(sp)
	sd	t3, 28*8(sp)
	sd	t4, 29*8(sp)
	sd	t5, 30*8(sp)
	sd	t6, 31*8(sp)
	csrrw	t0, sscratch, zero
	sd	t0, 5*8(sp)
	csrr	t0, sepc
	sd	t0, TRAP_SEPC(sp)
	li	t1, SSTATUS_SUM
	csrrc	t0, sstatus, t1
	sd	t0, TRAP_SSTATUS(sp)
	csrr	a0, scause
	call	irq_entry
	ld	t0, TRAP_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TRAP_SSTATUS(sp)
	csrw	sstatus, t0
	ld	ra, 1*8(sp)
	ld	t0, 5*8(sp)
	ld	t1, 6*8(sp)
	ld	t2, 7*8(sp)
	ld	a0, 10*8(sp)
	ld	a1, 11*8(sp)
	ld	a2, 12*8(sp)
	ld	a3, 13*8(sp)
	ld	a4, 14*8(sp)
	ld	a5, 15*8(sp)
	ld	a6, 16*8(sp)
	ld	a7, 17*8(sp)
	ld	t3, 28*8(sp)
	ld	t4, 29*8(sp)
	ld	t5, 30*8(sp)
	ld	t6, 31*8(sp)
	addi	sp, sp, TRAP_FRAME_SIZE
	sret

	/* Exceptions in S-mode, and interrupts the path above passed on: the full frame. */
.Lkernel_exception:
	la	t0, _sstack_guard
	bltu	sp, t0, .Lcheck_thread_stack
	la	t0, _sstack + TRAP_FRAME_SIZE
	bltu	sp, t0, .Lframe_on_overflow_stack
.Lcheck_thread_stack:
	/* The same test against the running thread's stack (struct thread.stack_base). */
	beqz	tp, .Lframe_on_stack
	ld	t0, PERCPU_OFFSET_CURRENT(tp)
	beqz	t0, .Lframe_on_stack
	ld	t0, THREAD_OFFSET_STACK_BASE(t0)
	addi	t0, t0, TRAP_FRAME_SIZE
	bgeu	sp, t0, .Lframe_on_stack
	/* sp < base + frame: an overflow if sp is at most a guard page below base. */
	addi	t0, t0, -2048
	addi	t0, t0, -2048
	addi	t0, t0, -TRAP_FRAME_SIZE
	bgeu	sp, t0, .Lframe_on_overflow_stack
.Lframe_on_stack:
	addi	sp, sp, -TRAP_FRAME_SIZE
	csrrw	t0, sscratch, zero
	sd	t0, 5*8(sp)
	addi	t0, sp, TRAP_FRAME_SIZE
	sd	t0, 2*8(sp)
	j	.Lsave_registers
.Lframe_on_overflow_stack:
	mv	t0, sp
	la	sp, trap_overflow_stack + TRAP_OVERFLOW_STACK_SIZE - TRAP_FRAME_SIZE
	sd	t0, 2*8(sp)
	csrrw	t0, sscratch, zero
	sd	t0, 5*8(sp)
.Lsave_registers:
	sd	tp, 4*8(sp)
.Lsave_common:
	sd	ra, 1*8(sp)
	sd	gp, 3*8(sp)
	sd	t1, 6*8(sp)
	sd	t2, 7*8(sp)
	SAVE_S
	sd	a0, 10*8(sp)
	sd	a1, 11*8(sp)
	sd	a2, 12*8(sp)
	sd	a3, 13*8(sp)
	sd	a4, 14*8(sp)
	sd	a5, 15*8(sp)
	sd	a6, 16*8(sp)
	sd	a7, 17*8(sp)
	sd	t3, 28*8(sp)
	sd	t4, 29*8(sp)
	sd	t5, 30*8(sp)
	sd	t6, 31*8(sp)
	csrr	t0, sepc
	sd	t0, TRAP_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TRAP_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TRAP_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TRAP_STVAL(sp)
	/* Kernel code runs with SUM clear; the frame keeps what the interrupted code had. */
	li	t0, SSTATUS_SUM
	csrc	sstatus, t0

	mv	a0, sp
	call	trap_handle

.Lreturn:
	ld	t0, TRAP_SSTATUS(sp)
	andi	t0, t0, SSTATUS_SPP
	bnez	t0, .Lrestore
#ifdef CONFIG_USERSPACE
	/* A thread of a killed task leaves here instead (after an interrupt, say). */
	call	task_check_dying
#endif
	/*
	 * Back to U-mode: the next user trap finds this stack top and this hart.
	 * From the sscratch write on, a trap would take itself for one from
	 * U-mode, so interrupts must be off until sret (trap_enter_user comes
	 * here from a thread that runs with them on).
	 */
	csrci	sstatus, SSTATUS_SIE
	sd	sp, PERCPU_USER_FRAME(tp)
	csrw	sscratch, tp
	ld	tp, 4*8(sp)
	/*
	 * Back to S-mode keeps tp: it points at the hart this code runs on now,
	 * which is not the one that saved the frame if the thread was switched
	 * away from under the handler and resumed elsewhere (a steal).
	 */
.Lrestore:
	ld	t0, TRAP_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TRAP_SSTATUS(sp)
	csrw	sstatus, t0
	ld	ra, 1*8(sp)
	ld	gp, 3*8(sp)
	ld	t0, 5*8(sp)
	ld	t1, 6*8(sp)
	ld	t2, 7*8(sp)
	LOAD_S
	ld	a0, 10*8(sp)
	ld	a1, 11*8(sp)
	ld	a2, 12*8(sp)
	ld	a3, 13*8(sp)
	ld	a4, 14*8(sp)
	ld	a5, 15*8(sp)
	ld	a6, 16*8(sp)
	ld	a7, 17*8(sp)
	ld	t3, 28*8(sp)
	ld	t4, 29*8(sp)
	ld	t5, 30*8(sp)
	ld	t6, 31*8(sp)
	ld	sp, 2*8(sp)
	sret

	/* tp = this hart's percpu, sscratch = the user's tp, sp = the user's. */
.Lfrom_user:
	sd	sp, PERCPU_USER_SP(tp)
	ld	sp, PERCPU_USER_FRAME(tp)
	sd	t0, 5*8(sp)
	ld	t0, PERCPU_USER_SP(tp)
	sd	t0, 2*8(sp)
	csrrw	t0, sscratch, zero
	sd	t0, 4*8(sp)
#ifdef CONFIG_USERSPACE
	csrr	t0, scause
	addi	t0, t0, -EXC_ECALL_U
	beqz	t0, .Lsyscall
#endif
	j	.Lsave_common
#ifdef CONFIG_USERSPACE

	/*
	 * A system call (<uapi/bora/syscall.h>): only what the psABI lets the
	 * handler clobber or what the return needs is saved — ra, gp, a0-a7,
	 * sepc, sstatus; the handler keeps s0-s11 itself. The handler gets a0-a5
	 * as its arguments straight from the registers. On the way out a1-a7 come
	 * back from the frame (a handler may put results there) and t0-t6 are
	 * cleared, so no kernel value reaches U-mode.
	 */
.Lsyscall:
	sd	ra, 1*8(sp)
	sd	gp, 3*8(sp)
	sd	a0, 10*8(sp)
	sd	a1, 11*8(sp)
	sd	a2, 12*8(sp)
	sd	a3, 13*8(sp)
	sd	a4, 14*8(sp)
	sd	a5, 15*8(sp)
	sd	a6, 16*8(sp)
	sd	a7, 17*8(sp)
	csrr	t0, sepc
	addi	t0, t0, 4	/* past the ecall, which has no compressed form */
	sd	t0, TRAP_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TRAP_SSTATUS(sp)
#ifdef CONFIG_IPC
	/* The IPC block (and anything out of range) is sorted out below. */
	li	t0, IPC_ENTRY_SYS_BASE
	bgeu	a7, t0, .Lsyscall_ipc
#else
	li	t0, SYS_MAX
	bgeu	a7, t0, .Lsyscall_unknown
#endif
.Lsyscall_table:
	la	t0, syscall_table
	slli	t1, a7, 3
	add	t0, t0, t1
	ld	t0, 0(t0)
	beqz	t0, .Lsyscall_unknown
	jalr	t0
.Lsyscall_return:
	ld	a1, 11*8(sp)
	ld	a2, 12*8(sp)
	ld	a3, 13*8(sp)
	ld	a4, 14*8(sp)
	ld	a5, 15*8(sp)
	ld	a6, 16*8(sp)
	/* arch_resume_user_ret comes here with a0-a6 set. */
.Lsyscall_return_ret:
	ld	t0, TRAP_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TRAP_SSTATUS(sp)
	csrw	sstatus, t0
	sd	sp, PERCPU_USER_FRAME(tp)
	csrw	sscratch, tp
	ld	ra, 1*8(sp)
	ld	gp, 3*8(sp)
	ld	tp, 4*8(sp)
	ld	a7, 17*8(sp)
	li	t0, 0
	li	t1, 0
	li	t2, 0
	li	t3, 0
	li	t4, 0
	li	t5, 0
	li	t6, 0
	ld	sp, 2*8(sp)
	sret
.Lsyscall_unknown:
	li	a0, -ENOSYS
	j	.Lsyscall_return

#ifdef CONFIG_IPC
	/*
	 * SYS_IPC_CALL and SYS_IPC_REPLY_RECV, two apart, go straight to the
	 * user IPC fast path's entries below; the rest of the block through the
	 * table. (The other system calls pay nothing for the test.)
	 */
.Lsyscall_ipc:
	addi	t0, a7, -IPC_ENTRY_SYS_CALL
	andi	t1, t0, ~(IPC_ENTRY_SYS_REPLY_RECV - IPC_ENTRY_SYS_CALL)
	beqz	t1, .Lipc_fast
	li	t0, SYS_MAX
	bltu	a7, t0, .Lsyscall_table
	j	.Lsyscall_unknown

	/*
	 * The user IPC fast path (kernel/ipc_fastpath_user.c), reached from the
	 * check above only (t0 = a7 - SYS_IPC_CALL), sp at the frame and a0-a6
	 * still the user's. These entries add s0-s11 to the
	 * frame, so that it holds every user register and a thread that blocks in
	 * them keeps no kernel continuation, and call the C side with the frame
	 * in a0, the info and words in a1-a5 as the user passed them and the
	 * handle in a6. It returns only when it did not switch that way (the
	 * general path ran): a0 is the result and s0-s11 are still the user's,
	 * as C code keeps them.
	 */
.Lipc_fast:
	bnez	t0, ipc_user_reply_recv_entry
ipc_user_call_entry:
	SAVE_S
	mv	a6, a0
	mv	a0, sp
	call	ipc_user_call
	j	.Lsyscall_return

ipc_user_reply_recv_entry:
	SAVE_S
	mv	a6, a0
	mv	a0, sp
	call	ipc_user_reply_recv
	j	.Lsyscall_return

	/*
	 * A thread waiting there that something else wakes (the general path, a
	 * cancel) starts here: its ctx.ra, with sp at its frame (ctx.sp) and a0
	 * the thread switched away from. The C side fills the frame's results.
	 */
	.globl	ipc_user_resume_entry
ipc_user_resume_entry:
	mv	s0, zero
	call	ipc_user_resume
	j	.Lreturn_with_s
#endif

	/*
	 * void arch_resume_user(struct trap_frame *frame, struct thread *prev,
	 * spinlock_t *unlock): onto the stack of the frame's thread, release prev
	 * (and the run-queue lock) as arch_switch does once it is off prev's
	 * stack, then leave through the frame with every register, a0 included.
	 */
	.globl	arch_resume_user
arch_resume_user:
	mv	sp, a0
#ifdef CONFIG_SMP
	fence	rw, w
	sb	zero, THREAD_OFFSET_ON_CPU(a1)
	beqz	a2, 1f
	li	t0, 1
	amoadd.w.rl zero, t0, (a2)
1:
#endif
	ld	a0, 10*8(sp)
.Lreturn_with_s:
	LOAD_S
	j	.Lsyscall_return

	/*
	 * void arch_resume_user_ret(struct trap_frame *frame, uint64_t a1, ...,
	 * uint64_t a6, struct thread *prev): the same with a0 = 0 and a1-a6 the
	 * results the caller passes in them (kernel/sched_switch.h,
	 * block_handoff_user), and the run-queue lock this hart's, released here
	 * when arch_switch would release it (IPC_ENTRY_SWITCH_UNLOCKS).
	 */
	.globl	arch_resume_user_ret
arch_resume_user_ret:
	mv	sp, a0
#ifdef CONFIG_SMP
	fence	rw, w
	sb	zero, THREAD_OFFSET_ON_CPU(a7)
#if IPC_ENTRY_SWITCH_UNLOCKS
	addi	t1, tp, PERCPU_OFFSET_RUNQ_LOCK
	li	t0, 1
	amoadd.w.rl zero, t0, (t1)
#endif
#endif
	li	a0, 0
	LOAD_S
	j	.Lsyscall_return_ret
#endif

	/*
	 * void trap_enter_user(const struct trap_frame *tf, uintptr_t kstack_top):
	 * copy *tf to the top of the kernel stack (tf must not lie there) and leave
	 * through it, so U-mode traps come back to that stack.
	 */
	.globl	trap_enter_user
trap_enter_user:
	addi	sp, a1, -TRAP_FRAME_SIZE
	li	t0, 0
1:	add	t1, a0, t0
	ld	t2, 0(t1)
	add	t1, sp, t0
	sd	t2, 0(t1)
	addi	t0, t0, 8
	li	t1, TRAP_FRAME_SIZE
	bltu	t0, t1, 1b
	j	.Lreturn

	.section .bss.trap_overflow_stack, "aw", @nobits
	.balign 16
	.globl trap_overflow_stack
trap_overflow_stack:
	.zero	TRAP_OVERFLOW_STACK_SIZE
