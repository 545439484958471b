/* SPDX-License-Identifier: MIT */
/* The ISA extensions the kernel was built to use, against what the hart says it has. */
#ifndef ASM_ISA_H
#define ASM_ISA_H

#include <bora/types.h>

/*
 * After dt_init: panics, naming the Kconfig option, when the boot hart's
 * riscv,isa lacks an extension the kernel was compiled for (the other harts
 * must have the same string to be started: lib/fdt_cpus.c).
 */
void arch_isa_check(void);

/* For the fault report: the kernel used an instruction the hart lacks; NULL if not that. */
const char *arch_isa_missing_hint(uint32_t insn);

#endif
