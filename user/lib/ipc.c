// SPDX-License-Identifier: MIT
/* The IPC syscall wrappers that are not inline in <ipc.h>. */
#include <ipc.h>
#include <user.h>

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
	long ret = ipc_syscall(SYS_NOTIFY_WAIT, h, &m, 1);

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
