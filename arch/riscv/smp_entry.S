/* SPDX-License-Identifier: MIT */
/*
 * Secondary hart entry. SBI HSM hart_start (SBI spec 9.1) begins here in
 * S-mode at the physical address, paging off (satp = 0), sstatus.SIE = 0,
 * a0 = hartid, a1 = the physical address of this hart's struct smp_boot_args
 * (also published in smp_start_pending, which is what is used: head.S sends
 * here a hart that the firmware sent to the kernel's entry with the DTB).
 *
 * The kernel's own table (full remap) has no identity map, so paging cannot
 * be turned on with it from a physical pc. The build-time boot table maps RAM
 * both at its physical address and at its high alias and stays in .data
 * untouched, so it serves as the trampoline: turn paging on with it, jump to
 * the high alias, then switch to the kernel's table, which maps the kernel
 * text at the same high addresses.
 */
#include <asm/csr.h>
#include <asm/smp_boot.h>

#ifdef CONFIG_SMP
	.section .text
	.balign 4
	.globl smp_secondary_entry
smp_secondary_entry:
	lla	t0, smp_early_trap_spin
	csrw	stvec, t0
	csrw	sie, zero

	/*
	 * The args come from the boot hart's record, not from a1 (see struct
	 * smp_start_pending); a hart it is not starting now stops.
	 */
	lla	t0, smp_start_pending
	ld	t1, SMP_PENDING_HARTID(t0)
	bne	t1, a0, 3f
	ld	a1, SMP_PENDING_ARGS_PA(t0)

	lla	t0, boot_pt_sv39
	srli	t0, t0, 12
	li	t1, SATP_MODE_SV39_FIELD
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	li	t1, CONFIG_KERNEL_VIRT_OFFSET
	add	a1, a1, t1
	lla	t0, 1f
	add	t0, t0, t1
	jr	t0
1:
	/* High half, on the boot table: now the kernel's table (privileged spec 4.2.1 fences). */
	ld	t0, SMP_ARGS_SATP(a1)
	sfence.vma
	csrw	satp, t0
	sfence.vma

	ld	sp, SMP_ARGS_SP(a1)
	ld	tp, SMP_ARGS_TP(a1)
	la	t0, trap_entry
	csrw	stvec, t0
	mv	fp, zero
	call	smp_secondary_main
2:	wfi
	j	2b
3:	lla	t0, entry_hart_stop
	jr	t0

	.balign 4
smp_early_trap_spin:
	wfi
	j	smp_early_trap_spin
#endif
