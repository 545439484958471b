/* SPDX-License-Identifier: MIT */
/*
 * Boot entry. The firmware (OpenSBI, SBI spec "Boot" convention) jumps here in
 * S-mode at the physical load address with paging off, a0 = hartid, a1 = DTB
 * physical address. Until satp is written only PC-relative addressing (lla) is
 * valid: every `la` of a symbol would give its high link-time address.
 */
#include <asm/csr.h>

/* SBI spec chapter 9: the HSM extension's id and its hart_stop function. */
#define HEAD_SBI_EXT_HSM   0x48534D
#define HEAD_HSM_HART_STOP 1

	.section .text.entry, "ax"
	.globl _start
_start:
	/* Park early traps on a physical spin loop so a fault here is visible in gdb. */
	lla	t0, early_trap_spin
	csrw	stvec, t0
	csrw	sie, zero

	/*
	 * Only the first hart here boots the kernel. Another one can arrive
	 * while a secondary hart is being started (the firmware race described
	 * at struct smp_start_pending): it must not clear .bss or take the boot
	 * stack under the running kernel's feet.
	 */
	lla	t0, kernel_entry_claimed
	li	t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez	t1, stray_hart

	/* satp = MODE Sv39 | PPN(boot_pt_sv39); spec 4.1.11. */
	lla	t0, boot_pt_sv39
	srli	t0, t0, 12
	li	t1, SATP_MODE_SV39_FIELD
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	/*
	 * The boot table maps RAM both at its physical address (we are still
	 * executing there) and at +KERNEL_VIRT_OFFSET. Move pc and sp to the high
	 * alias; nothing else holds a physical address yet (built -mno-relax, so
	 * gp is unused).
	 */
	li	t1, CONFIG_KERNEL_VIRT_OFFSET
	lla	sp, _estack
	add	sp, sp, t1
	lla	t0, 1f
	add	t0, t0, t1
	jr	t0
1:
	/* Now in the high half: `la` and pc-relative addressing agree. */
	la	t0, trap_entry
	csrw	stvec, t0
	mv	fp, zero

	la	t0, _sbss
	la	t2, _ebss
2:	bgeu	t0, t2, 3f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	2b
3:
	/* a0 = hartid and a1 = DTB physical address are untouched so far. */
	call	kernel_main
4:	wfi
	j	4b

stray_hart:
	lla	t0, kernel_entry_strays
	li	t1, 1
	amoadd.w zero, t1, (t0)
#ifdef CONFIG_SMP
	/* The hart being started, come the wrong way: smp_entry.S checks and takes it. */
	lla	t0, smp_secondary_entry
	jr	t0
#endif
	/* Any other hart goes back to the firmware, where hart_start can still find it. */
	.globl	entry_hart_stop
entry_hart_stop:
	li	a7, HEAD_SBI_EXT_HSM
	li	a6, HEAD_HSM_HART_STOP
	ecall
5:	wfi
	j	5b

	.balign 4
early_trap_spin:
	wfi
	j	early_trap_spin

	.section .data
	.balign 4
kernel_entry_claimed:
	.word	0
	/* Harts turned away from the boot path; bring-up reports them. */
	.globl	kernel_entry_strays
kernel_entry_strays:
	.word	0
