/* SPDX-License-Identifier: MIT */
/*
 * The only code that touches user memory from S-mode. sstatus.SUM is set
 * for the copy and cleared on every way out (privileged spec 4.1.1.2). Each
 * load or store that can hit a user address has an exception-table entry
 * (pc -> fixup); kernel/trap.c sends a page or access fault at such a pc to
 * the fixup, which clears SUM and returns how much was left.
 */
#include <asm/csr.h>

/* Record that the instruction at label `insn` continues at `fixup` when it faults. */
	.macro	EXTABLE insn, fixup
	.pushsection .rodata.extable, "a"
	.balign	8
	.dword	\insn, \fixup
	.popsection
	.endm

	.pushsection .rodata.extable, "a"
	.balign	8
	.globl	extable_start
extable_start:
	.popsection

	.section .text.uaccess, "ax"

/* size_t uaccess_copy(void *dst, const void *src, size_t len): bytes not copied. */
	.globl	uaccess_copy
	.balign	4
uaccess_copy:
	li	t1, SSTATUS_SUM
	csrs	sstatus, t1
	beqz	a2, 3f
	/* Eight bytes at a time while both pointers are 8-byte aligned. */
	or	t2, a0, a1
	andi	t2, t2, 7
	bnez	t2, 2f
1:	li	t2, 8
	bltu	a2, t2, 2f
.Lcopy_ld:
	ld	t0, 0(a1)
.Lcopy_sd:
	sd	t0, 0(a0)
	addi	a0, a0, 8
	addi	a1, a1, 8
	addi	a2, a2, -8
	j	1b
2:	beqz	a2, 3f
.Lcopy_lb:
	lb	t0, 0(a1)
.Lcopy_sb:
	sb	t0, 0(a0)
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	a2, a2, -1
	j	2b
3:
.Lcopy_fault:
	csrc	sstatus, t1
	mv	a0, a2
	ret
	EXTABLE	.Lcopy_ld, .Lcopy_fault
	EXTABLE	.Lcopy_sd, .Lcopy_fault
	EXTABLE	.Lcopy_lb, .Lcopy_fault
	EXTABLE	.Lcopy_sb, .Lcopy_fault

/*
 * size_t uaccess_strncpy(char *dst, const char *src, size_t max): the length
 * before the NUL (which is copied), max when none came, (size_t)-1 on a fault.
 */
	.globl	uaccess_strncpy
	.balign	4
uaccess_strncpy:
	li	t1, SSTATUS_SUM
	csrs	sstatus, t1
	li	t2, 0
1:	beq	t2, a2, 3f
	add	t3, a1, t2
.Lstr_lb:
	lb	t0, 0(t3)
	add	t3, a0, t2
	sb	t0, 0(t3)
	beqz	t0, 3f
	addi	t2, t2, 1
	j	1b
3:	csrc	sstatus, t1
	mv	a0, t2
	ret
.Lstr_fault:
	csrc	sstatus, t1
	li	a0, -1
	ret
	EXTABLE	.Lstr_lb, .Lstr_fault

	.pushsection .rodata.extable, "a"
	.globl	extable_end
extable_end:
	.popsection
