// SPDX-License-Identifier: MIT
/* Per-hart state of the U-mode trap entry, and the layout trap_entry.S hard-codes. */
#include <bora/percpu.h>
#include <asm/trap.h>

struct user_entry_hart user_entry_harts[PERCPU_MAX_HARTS];

_Static_assert(offsetof(struct percpu, index) == PERCPU_INDEX, "PERCPU_INDEX");
_Static_assert(sizeof(((struct percpu *)0)->index) == 4, "trap entry loads index with lw");
_Static_assert(offsetof(struct user_entry_hart, percpu) == UENTRY_PERCPU, "UENTRY_PERCPU");
_Static_assert(offsetof(struct user_entry_hart, kernel_sp) == UENTRY_KERNEL_SP, "UENTRY_KERNEL_SP");
_Static_assert(offsetof(struct user_entry_hart, user_sp) == UENTRY_USER_SP, "UENTRY_USER_SP");
_Static_assert(sizeof(struct user_entry_hart) == 1 << UENTRY_SIZE_SHIFT, "UENTRY_SIZE_SHIFT");
_Static_assert(offsetof(struct trap_frame, sepc) == TRAP_SEPC, "TRAP_SEPC");
_Static_assert(offsetof(struct trap_frame, sstatus) == TRAP_SSTATUS, "TRAP_SSTATUS");
