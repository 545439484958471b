// SPDX-License-Identifier: MIT
/* The layout the U-mode trap entry (trap_entry.S) hard-codes. */
#include <bora/percpu.h>
#include <asm/trap.h>

_Static_assert(offsetof(struct percpu, user_frame) == PERCPU_USER_FRAME, "PERCPU_USER_FRAME");
_Static_assert(offsetof(struct percpu, user_sp) == PERCPU_USER_SP, "PERCPU_USER_SP");
_Static_assert(offsetof(struct trap_frame, sepc) == TRAP_SEPC, "TRAP_SEPC");
_Static_assert(offsetof(struct trap_frame, sstatus) == TRAP_SSTATUS, "TRAP_SSTATUS");
