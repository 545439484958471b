/* SPDX-License-Identifier: MIT */
/*
 * IPC for user programs: wrappers of the syscalls in <uapi/bora/ipc.h>.
 * Every call returns what the kernel put in a0: >= 0 on success, -errno.
 *
 * A message travels in struct ipc_msg: on the way out `info` (built with
 * ipc_info() and, to pass a handle, ipc_info_grant()), `words` and `buf`; on
 * the way back the received info, words and the sender's badge. One buffer
 * serves both directions of a call.
 */
#ifndef USER_IPC_H
#define USER_IPC_H

#include <stdint.h>
#include <uapi/bora/ipc.h>

struct ipc_msg {
	uint64_t info;
	uint64_t words[IPC_MSG_WORDS_MAX];
	uint64_t badge; /* received */
	void *buf;
};

long ipc_send(long h, struct ipc_msg *m);
long ipc_recv(long h, struct ipc_msg *m);
long ipc_call(long h, struct ipc_msg *m);
long ipc_reply(struct ipc_msg *m);
long ipc_reply_recv(long h, struct ipc_msg *m);

long handle_close(long h);
long handle_mint(long h, unsigned rights, uint64_t badge);
long endpoint_create(void);
long notify_create(void);
long notify_signal(long h, uint64_t bits);
/* Bits taken land in *bits. */
long notify_wait(long h, unsigned timeout_ms, uint64_t *bits);
/*
 * sys_spawn, and the child starts with copies of handles[0..count) at 0..count-1
 * (same rights and badges: mint reduced copies first to hand out less).
 */
long spawn_with_handles(const char *name, const char *const *argv, int argc, const long *handles,
                        int count);
/*
 * spawn_with_handles, and handles[console] (0 <= console < count) becomes the
 * child's console: its printf and console_read go through that endpoint (the
 * UART server's protocol, <uart_proto.h>).
 */
long spawn_console(const char *name, const char *const *argv, int argc, const long *handles,
                   int count, int console);
long irq_bind(long irq, long notification, uint64_t bits);
long irq_ack(long irq);
long devpage_map(long h, void *va);

#endif
