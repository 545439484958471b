/* SPDX-License-Identifier: MIT */
/*
 * The IPC fast path (kernel/ipc_fastpath.c): call and reply_recv with the
 * registers a0..a7 in place (a[0] = a0 ...); results are written back there
 * and a0 is returned. Every case it does not take goes to ipc_syscall().
 */
#ifndef BORA_IPC_FASTPATH_H
#define BORA_IPC_FASTPATH_H

#include <bora/ipc.h>

/* What the fast paths did (for tests and `ipc`-aware tools). */
struct ipc_fastpath_stats {
	/* Calls and reply_recvs the kernel threads' fast path completed itself. */
	uint64_t calls;
	uint64_t reply_recvs;
	/* User fast path (kernel/ipc_fastpath_user.c), which counts only these: */
	uint64_t user_entries; /* peers entered in U-mode straight from their frame */
	uint64_t user_resumes; /* its waits another path ended (ipc_user_resume) */
};
extern struct ipc_fastpath_stats ipc_fastpath_stats;

long ipc_fastpath_call(struct ipc_thread *self, uint64_t *a);
long ipc_fastpath_reply_recv(struct ipc_thread *self, uint64_t *a);

#endif
