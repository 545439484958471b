/* SPDX-License-Identifier: MIT */
/*
 * The IPC and handle syscalls: argument decoding and dispatch onto the state
 * machine (include/bora/ipc.h). Host-testable: the few things that need a
 * real kernel — blocking with a timeout, user-memory copies, the staging
 * buffer — go through the ipc_env_* hooks below, which kernel/ipc.c provides
 * in the kernel and the tests provide on the host.
 */
#ifndef BORA_IPC_SYSCALL_H
#define BORA_IPC_SYSCALL_H

#include <bora/ipc.h>

/* a0..a7 of the calling thread: arguments on entry, results on return. */
struct ipc_regs {
	uint64_t a[8];
};

/* The decoded info word (uapi/bora/ipc.h). */
struct ipc_info {
	uint32_t nwords;
	uint32_t len;
	uint32_t cap;
	bool grant;
	uint32_t grant_handle;
	uint32_t grant_rights;
	uint32_t timeout_ms; /* IPC_TIMEOUT_NO_WAIT, IPC_TIMEOUT_FOREVER or a duration */
};

/* -EINVAL for a word count above CONFIG_IPC_MSG_WORDS or a length above IPC_BUF_MAX. */
int ipc_info_decode(uint64_t info, struct ipc_info *out);
/* The info word a receiver finds in a1. */
uint64_t ipc_info_received(const struct ipc_msg *msg);

/*
 * Run IPC syscall `nr` (SYS_IPC_BASE..) for self with r->a[] as arguments;
 * results land in r->a[] (a0 = return value). Returns r->a[0], or
 * IPC_BLOCKED when the environment's ipc_env_block() left the thread
 * blocked (host tests): call ipc_syscall_resume() once it was woken.
 */
long ipc_syscall(struct ipc_thread *self, unsigned long nr, struct ipc_regs *r);
long ipc_syscall_resume(struct ipc_thread *self, unsigned long nr, struct ipc_regs *r);

/* ---- environment hooks ------------------------------------------------------------------------
 */

/*
 * Called with the IPC lock held (flags from ipc_lock()) after an operation
 * queued self: drop the lock, sleep until ipc_env_wake() or the timeout
 * (then ipc_cancel(self, -ETIMEDOUT) under the lock), return self->result.
 * A host environment may instead drop the lock and return IPC_BLOCKED.
 */
long ipc_env_block(struct ipc_thread *self, uint32_t timeout_ms, unsigned long flags);
/* self's staging buffer of IPC_BUF_MAX bytes (allocated on first use), or NULL. */
uint8_t *ipc_env_staging(struct ipc_thread *self);
/* Does [addr, addr + len) lie in self's user half (no wrap-around)? */
bool ipc_env_user_range_ok(struct ipc_thread *self, uint64_t addr, uint64_t len);
/* User-memory copies in self's address space: 0 or -EFAULT. */
int ipc_env_copy_from_user(struct ipc_thread *self, void *dst, uint64_t src, uint32_t len);
int ipc_env_copy_to_user(struct ipc_thread *self, uint64_t dst, const void *src, uint32_t len);

/*
 * Interrupts and device pages. detach: the object goes, disconnect its
 * handler; mask/unmask the source at the interrupt controller.
 */
void ipc_env_irq_detach(struct ipc_irq *q);
void ipc_env_irq_mask(struct ipc_irq *q);
void ipc_env_irq_unmask(struct ipc_irq *q);
/* Map [phys, phys + size) at va in self's address space, user R/W, not executable. */
int ipc_env_map_device(struct ipc_thread *self, uint64_t va, uint64_t phys, uint64_t size);

#endif
