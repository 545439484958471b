/* SPDX-License-Identifier: MIT */
/*
 * What the boot hart hands a secondary hart through SBI HSM hart_start's
 * `opaque` argument (a1 at entry, SBI spec 9.1): the physical address of one
 * struct smp_boot_args. arch/riscv/smp_entry.S reads it by these offsets.
 */
#ifndef ASM_SMP_BOOT_H
#define ASM_SMP_BOOT_H

#define SMP_ARGS_SATP 0  /* the kernel's satp, written once paging runs in the high half */
#define SMP_ARGS_SP   8  /* top of the hart's stack (kernel virtual) */
#define SMP_ARGS_TP   16 /* its struct percpu (kernel virtual) */

#ifndef __ASSEMBLER__
#include <bora/types.h>

enum smp_hart_state {
	SMP_HART_OFFLINE,
	SMP_HART_STARTING,  /* hart_start succeeded; the boot hart waits for the check-in */
	SMP_HART_ONLINE,    /* checked in */
	SMP_HART_ABANDONED, /* missed the deadline: if it ever arrives, it stops itself */
};

struct smp_boot_args {
	uint64_t satp;
	uintptr_t sp;
	uintptr_t tp;
	unsigned int state; /* enum smp_hart_state, changed with compare-and-swap */
};

_Static_assert(__builtin_offsetof(struct smp_boot_args, satp) == SMP_ARGS_SATP, "satp");
_Static_assert(__builtin_offsetof(struct smp_boot_args, sp) == SMP_ARGS_SP, "sp");
_Static_assert(__builtin_offsetof(struct smp_boot_args, tp) == SMP_ARGS_TP, "tp");

/* The C side of smp_entry.S, on the hart's own stack with tp set. */
void smp_secondary_main(unsigned long hartid, struct smp_boot_args *args) __attribute__((noreturn));
/* The physical entry point hart_start is given. */
extern char smp_secondary_entry[];
#endif

#endif
