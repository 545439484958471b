/* SPDX-License-Identifier: MIT */
/*
 * The way back from a task to the kernel code that ran it (kernel/user/task.c):
 * a setjmp/longjmp pair over the psABI's callee-saved registers, laid out as
 * struct task_resume.
 */
	.section .text.user_run, "ax"

/* long task_resume_save(struct task_resume *r): 0 now, the jump's value later. */
	.globl	task_resume_save
	.balign	4
task_resume_save:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	li	a0, 0
	ret

/* void task_resume_jump(const struct task_resume *r, long value): never returns. */
	.globl	task_resume_jump
	.balign	4
task_resume_jump:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	ld	s0, 16(a0)
	ld	s1, 24(a0)
	ld	s2, 32(a0)
	ld	s3, 40(a0)
	ld	s4, 48(a0)
	ld	s5, 56(a0)
	ld	s6, 64(a0)
	ld	s7, 72(a0)
	ld	s8, 80(a0)
	ld	s9, 88(a0)
	ld	s10, 96(a0)
	ld	s11, 104(a0)
	mv	a0, a1
	ret
