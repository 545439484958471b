// SPDX-License-Identifier: MIT
/* IPC syscall wrappers (<ipc.h>): a0..a6 in, a0, a1..a6 out, as <uapi/bora/ipc.h> lays out. */
#include <ipc.h>
#include <user.h>

static long ipc_syscall(long nr, long h, struct ipc_msg *m)
{
	register long a0 __asm__("a0") = h;
	register uint64_t a1 __asm__("a1") = m->info;
	register uint64_t a2 __asm__("a2") = m->words[0];
	register uint64_t a3 __asm__("a3") = m->words[1];
	register uint64_t a4 __asm__("a4") = m->words[2];
	register uint64_t a5 __asm__("a5") = m->words[3];
	register uint64_t a6 __asm__("a6") = (uint64_t)m->buf;
	register long a7 __asm__("a7") = nr;

	__asm__ volatile("ecall"
	                 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
	                   "+r"(a7)
	                 :
	                 : "memory", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "ra");
	if (a0 == 0 && nr != SYS_IPC_SEND && nr != SYS_IPC_REPLY) {
		m->info = a1;
		m->words[0] = a2;
		m->words[1] = a3;
		m->words[2] = a4;
		m->words[3] = a5;
		m->badge = a6;
	}
	return a0;
}

long ipc_send(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_SEND, h, m);
}

long ipc_recv(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_RECV, h, m);
}

long ipc_call(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_CALL, h, m);
}

long ipc_reply(struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_REPLY, 0, m);
}

long ipc_reply_recv(long h, struct ipc_msg *m)
{
	return ipc_syscall(SYS_IPC_REPLY_RECV, h, m);
}

long handle_close(long h)
{
	return syscall6(SYS_HANDLE_CLOSE, h, 0, 0, 0, 0, 0);
}

long handle_mint(long h, unsigned rights, uint64_t badge)
{
	return syscall6(SYS_HANDLE_MINT, h, rights, (long)badge, 0, 0, 0);
}

long endpoint_create(void)
{
	return syscall6(SYS_ENDPOINT_CREATE, 0, 0, 0, 0, 0, 0);
}

long notify_create(void)
{
	return syscall6(SYS_NOTIFY_CREATE, 0, 0, 0, 0, 0, 0);
}

long notify_signal(long h, uint64_t bits)
{
	return syscall6(SYS_NOTIFY_SIGNAL, h, (long)bits, 0, 0, 0, 0);
}

long notify_wait(long h, unsigned timeout_ms, uint64_t *bits)
{
	struct ipc_msg m = {.info = ipc_info(0, 0, 0, timeout_ms)};
	long ret = ipc_syscall(SYS_NOTIFY_WAIT, h, &m);

	if (ret == 0 && bits)
		*bits = m.info;
	return ret;
}

long spawn_with_handles(const char *name, const char *const *argv, int argc, const long *handles,
                        int count)
{
	return syscall6(SYS_SPAWN, (long)name, (long)argv, argc, (long)handles, count, 0);
}

long spawn_console(const char *name, const char *const *argv, int argc, const long *handles,
                   int count, int console)
{
	return syscall6(SYS_SPAWN, (long)name, (long)argv, argc, (long)handles, count, console + 1);
}

long irq_bind(long irq, long notification, uint64_t bits)
{
	return syscall6(SYS_IRQ_BIND, irq, notification, (long)bits, 0, 0, 0);
}

long irq_ack(long irq)
{
	return syscall6(SYS_IRQ_ACK, irq, 0, 0, 0, 0, 0);
}

long devpage_map(long h, void *va)
{
	return syscall6(SYS_DEVPAGE_MAP, h, (long)va, 0, 0, 0, 0);
}
