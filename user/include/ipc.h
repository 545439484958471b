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

/*
 * The kernel reads only the words an info word counts, and the buffer's
 * address only when it gives bytes or room (<uapi/bora/ipc.h>). With an info
 * word the compiler knows, the other registers are left as they are
 * instead of loaded: IPC_REG sets r to v only if `used`, else tells the
 * compiler r holds some value (an empty asm, no instruction).
 */
#define IPC_REG(r, v, used)                                                                        \
	do {                                                                                       \
		if (used)                                                                          \
			r = (v);                                                                   \
		else                                                                               \
			__asm__ volatile("" : "=r"(r));                                            \
	} while (0)

/*
 * The IPC system call (a0..a6 in, a0 and a1..a6 out, as <uapi/bora/ipc.h>
 * lays out), inline: a caller's struct ipc_msg that does not escape stays in
 * registers, and a call costs no function call and no copy through memory
 * (seL4's libsel4 inlines seL4_Call for the same reason). A received message
 * replaces *m only on success.
 */
static inline __attribute__((always_inline)) long ipc_syscall(long nr, long h, struct ipc_msg *m,
                                                              int receives)
{
	const uint64_t info = m->info;
	const int known = __builtin_constant_p(info);
	const unsigned words = (unsigned)IPC_INFO_FIELD(info, WORDS);
	register long a0 __asm__("a0") = h;
	register uint64_t a1 __asm__("a1") = info;
	register uint64_t a2 __asm__("a2"), a3 __asm__("a3"), a4 __asm__("a4"), a5 __asm__("a5");
	register uint64_t a6 __asm__("a6");
	register long a7 __asm__("a7") = nr;

	IPC_REG(a2, m->words[0], !known || words > 0);
	IPC_REG(a3, m->words[1], !known || words > 1);
	IPC_REG(a4, m->words[2], !known || words > 2);
	IPC_REG(a5, m->words[3], !known || words > 3);
	IPC_REG(a6, (uint64_t)m->buf,
	        !known || IPC_INFO_FIELD(info, LEN) || IPC_INFO_FIELD(info, CAP));
	/* The kernel may change a1-a7 and zeroes t0-t6 (docs/user-mode.md, "The syscall ABI"). */
	__asm__ volatile("ecall"
	                 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
	                   "+r"(a7)
	                 :
	                 : "memory", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "ra");
	if (receives && a0 == 0) {
		m->info = a1;
		m->words[0] = a2;
		m->words[1] = a3;
		m->words[2] = a4;
		m->words[3] = a5;
		m->badge = a6;
	}
	return a0;
}

static inline __attribute__((always_inline)) long ipc_send(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_SEND, h, m, 0);
}

static inline __attribute__((always_inline)) long ipc_recv(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_RECV, h, m, 1);
}

static inline __attribute__((always_inline)) long ipc_call(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_CALL, h, m, 1);
}

static inline __attribute__((always_inline)) long ipc_reply(struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_REPLY, 0, m, 0);
}

static inline __attribute__((always_inline)) long ipc_reply_recv(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_REPLY_RECV, h, m, 1);
}

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
