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

/* struct smp_start_pending, read by the entry code with paging off. */
#define SMP_PENDING_HARTID  0
#define SMP_PENDING_ARGS_PA 8

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

/*
 * The one hart the boot hart is starting now and the physical address of its
 * smp_boot_args; hartid is SMP_NO_PENDING_HART between starts. The entry code
 * takes the args from here, not from a1: OpenSBI v1.1's hart_start marks the
 * target START_PENDING before it writes the start address and opaque, so a
 * target hart that looks in between leaves the firmware with the values it was
 * given at boot, the kernel's entry point and the DTB (docs/smp.md,
 * "Bring-up"). Both entries (head.S for such a stray, smp_entry.S) send a hart
 * that is not the pending one back to the firmware with HSM hart_stop.
 */
struct smp_start_pending {
	uint64_t hartid;
	uint64_t args_pa;
};
#define SMP_NO_PENDING_HART (~0ULL)

_Static_assert(__builtin_offsetof(struct smp_start_pending, hartid) == SMP_PENDING_HARTID, "id");
_Static_assert(__builtin_offsetof(struct smp_start_pending, args_pa) == SMP_PENDING_ARGS_PA, "pa");

extern struct smp_start_pending smp_start_pending;
/* How many harts arch/riscv/head.S turned away from the boot path. */
extern unsigned int kernel_entry_strays;

/* The C side of smp_entry.S, on the hart's own stack with tp set. */
void smp_secondary_main(unsigned long hartid, struct smp_boot_args *args) __attribute__((noreturn));
/* The physical entry point hart_start is given. */
extern char smp_secondary_entry[];
#endif

#endif
