/* SPDX-License-Identifier: MIT */
/*
 * struct thread *arch_switch(struct thread *prev, struct thread *next,
 *                            spinlock_t *unlock)
 *
 * Save the callee-saved registers of the RISC-V psABI (ra, sp, s0-s11) into
 * prev->ctx and load next's. Everything else is either dead across a call
 * (the caller-saved registers), per hart (tp, which points at struct percpu)
 * or fixed (gp: the kernel is linked with -mno-relax and does not use it).
 * A thread interrupted by a trap has its registers in the trap frame on its
 * own stack; only the C code under the trap handler reaches this point.
 * No FPU state: the kernel is built without F/D.
 *
 * SMP: once prev's registers are stored, prev->on_cpu is cleared and then,
 * if `unlock` is not NULL, that lock (the hart's run-queue lock) released,
 * each with release ordering (a fence before the store, .rl on the AMO):
 * from then on another hart may resume prev, and nothing here touches prev
 * or its stack again. Doing it here rather than in the thread switched to
 * leaves that thread nothing to do but return (kernel/sched.c).
 *
 * a0 still holds prev when next resumes, so the call returns, in next, the
 * thread switched away from. A new thread's ra points at
 * thread_entry_trampoline, which calls thread_start(prev) with the same a0.
 */
#include <asm/trap.h>

#define CTX_RA 0
#define CTX_SP 8
#define CTX_S(n) (16 + 8 * (n))

	/*
	 * void arch_switch_load(struct thread *prev, struct thread *next,
	 *                       spinlock_t *unlock): the second half alone, for a
	 * prev whose context is set already (it keeps no continuation).
	 */
	.section .text.arch_switch, "ax", @progbits
	.balign 4
	.globl arch_switch_load
arch_switch_load:
#ifdef CONFIG_SMP
	fence	rw, w
	j	.Lrelease
#else
	j	.Lload
#endif

	.balign 4
	.globl arch_switch
arch_switch:
	sd	ra, CTX_RA(a0)
	sd	sp, CTX_SP(a0)
	sd	s0, CTX_S(0)(a0)
	sd	s1, CTX_S(1)(a0)
	sd	s2, CTX_S(2)(a0)
	sd	s3, CTX_S(3)(a0)
	sd	s4, CTX_S(4)(a0)
	sd	s5, CTX_S(5)(a0)
	sd	s6, CTX_S(6)(a0)
	sd	s7, CTX_S(7)(a0)
	sd	s8, CTX_S(8)(a0)
	sd	s9, CTX_S(9)(a0)
	sd	s10, CTX_S(10)(a0)
	sd	s11, CTX_S(11)(a0)
#ifdef CONFIG_SMP
	fence	rw, w
.Lrelease:
	sb	zero, THREAD_OFFSET_ON_CPU(a0)
	beqz	a2, 1f
	li	t0, 1
	amoadd.w.rl zero, t0, (a2)
1:
#endif
.Lload:
	ld	ra, CTX_RA(a1)
	ld	sp, CTX_SP(a1)
	ld	s0, CTX_S(0)(a1)
	ld	s1, CTX_S(1)(a1)
	ld	s2, CTX_S(2)(a1)
	ld	s3, CTX_S(3)(a1)
	ld	s4, CTX_S(4)(a1)
	ld	s5, CTX_S(5)(a1)
	ld	s6, CTX_S(6)(a1)
	ld	s7, CTX_S(7)(a1)
	ld	s8, CTX_S(8)(a1)
	ld	s9, CTX_S(9)(a1)
	ld	s10, CTX_S(10)(a1)
	ld	s11, CTX_S(11)(a1)
	ret

/*
 * First instruction of every new thread (its ctx.ra). s0 = 0 ends the
 * frame-pointer backtrace here; a0 = the previous thread (see above).
 */
	.globl thread_entry_trampoline
thread_entry_trampoline:
	mv	s0, zero
	call	thread_start
	unimp	/* thread_start never returns */
