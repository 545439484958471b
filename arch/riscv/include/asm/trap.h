/* SPDX-License-Identifier: MIT */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

/* Byte offsets into struct trap_frame, shared with trap_entry.S. */
#define TRAP_SEPC       (32 * 8)
#define TRAP_SSTATUS    (33 * 8)
#define TRAP_SCAUSE     (34 * 8)
#define TRAP_STVAL      (35 * 8)
#define TRAP_FRAME_SIZE (36 * 8) /* a multiple of 16: the psABI stack alignment */
/* Where a boot-stack overflow is reported from (see trap_entry.S). */
#define TRAP_OVERFLOW_STACK_SIZE 4096

#ifndef __ASSEMBLER__
#include <bora/types.h>

struct trap_frame {
	uint64_t regs[32]; /* x0..x31; regs[0] unused, regs[2] = sp before the trap */
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
};

_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap frame layout");

void trap_handle(struct trap_frame *tf);
#endif

#endif
