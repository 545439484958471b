/* SPDX-License-Identifier: MIT */
/* Shared between the files of kernel/smp/ only. */
#ifndef KERNEL_SMP_INTERNAL_H
#define KERNEL_SMP_INTERNAL_H

#include <bora/smp.h>

/* Enable the supervisor software interrupt (sie.SSIE) on this hart. */
void smp_ipi_init_this_hart(void);

/* Serve a pending IPI without a trap (loops that wait with interrupts off). */
void smp_ipi_poll(void);

/*
 * Call `fn(hart_mask, hart_mask_base, ctx)` once per window of 64 consecutive
 * hart ids covering the harts of `mask` (SBI spec 3.2 hart masks). Returns
 * the first error, or 0.
 */
long smp_for_each_hart_window(cpumask_t mask,
                              long (*fn)(unsigned long hmask, unsigned long base, void *ctx),
                              void *ctx);

#endif
