// SPDX-License-Identifier: MIT
/*
 * The IPC and handle syscalls from one task: objects created, badges minted
 * once, rights only dropped, each bad handle and missing right with its own
 * error, NO_WAIT, notifications, argument and buffer
 * errors, a full handle table. Prints one line per failed check, then
 *   ipc_test: <passed> passed, <failed> failed
 * and exits with the number of failures.
 */
#include <ipc.h>
#include <user.h>
#include <utest.h>

#define KERNEL_ADDR ((void *)0xffffffc080200000UL)

static struct ipc_msg msg(unsigned words, unsigned len, unsigned cap, unsigned timeout_ms)
{
	return (struct ipc_msg){.info = ipc_info(words, len, cap, timeout_ms)};
}

int main(void)
{
	struct ipc_msg m;
	uint64_t bits = 0;
	char buf[64];
	long ep = endpoint_create(), n = notify_create();

	utest_program = "ipc_test";
	EXPECT(ep, 0); /* a fresh task's table is empty: the lowest slots come first */
	EXPECT(n, 1);

	/* Each bad handle gets its own error. */
	m = msg(0, 0, 0, IPC_TIMEOUT_NO_WAIT);
	EXPECT(ipc_send(1000, &m), -EBADHANDLE);
	EXPECT(ipc_send(-1, &m), -EBADHANDLE);
	EXPECT(ipc_send(7, &m), -ECLOSED);
	EXPECT(ipc_send(n, &m), -EWRONGTYPE);
	EXPECT(notify_signal(ep, 1), -EWRONGTYPE);
	long recv_only = handle_mint(ep, IPC_RIGHT_RECV, 0);
	EXPECT(recv_only, 2);
	EXPECT(ipc_send(recv_only, &m), -ENORIGHT);
	EXPECT(handle_mint(recv_only, IPC_RIGHTS_ALL, 0), 3); /* a copy never regains SEND */
	EXPECT(ipc_send(3, &m), -ENORIGHT);
	EXPECT(handle_close(3), 0);
	EXPECT(handle_close(3), -ECLOSED);

	/* Badges are set once. */
	long badged = handle_mint(ep, IPC_RIGHT_SEND, 0x77);
	EXPECT(badged, 3);
	EXPECT(handle_mint(badged, IPC_RIGHT_SEND, 0x78), -EPERM);
	EXPECT(handle_mint(ep, 0x10, 0), -EINVAL);

	/* Nobody waits: NO_WAIT fails at once, a timeout after waiting. */
	m = msg(1, 0, 0, IPC_TIMEOUT_NO_WAIT);
	EXPECT(ipc_send(badged, &m), -ETIMEDOUT);
	EXPECT(ipc_call(badged, &m), -ETIMEDOUT);
	EXPECT(ipc_recv(ep, &m), -ETIMEDOUT);
	EXPECT(ipc_reply(&m), -ENOREPLY);

	/* Notifications: bits accumulate, a wait takes them all. */
	EXPECT(notify_signal(n, 0x5), 0);
	EXPECT(notify_signal(n, 0x30), 0);
	EXPECT(notify_wait(n, IPC_TIMEOUT_NO_WAIT, &bits), 0);
	EXPECT(bits, 0x35);
	EXPECT(notify_wait(n, IPC_TIMEOUT_NO_WAIT, &bits), -ETIMEDOUT);

	/* Arguments: sizes, words, buffers. */
	m = msg(0, IPC_BUF_MAX + 1, 0, 0);
	EXPECT(ipc_send(ep, &m), -EINVAL);
	m = msg(IPC_MSG_WORDS_MAX + 1, 0, 0, 0);
	EXPECT(ipc_send(ep, &m), -EINVAL);
	m = msg(0, 16, 0, 0);
	m.buf = KERNEL_ADDR;
	EXPECT(ipc_send(ep, &m), -EFAULT);
	m.buf = (void *)0x20000000UL; /* inside the user half, not mapped */
	EXPECT(ipc_send(ep, &m), -EFAULT);
	m = msg(0, sizeof(buf), 0, 0);
	m.buf = buf;
	EXPECT(ipc_send(ep, &m), -ETIMEDOUT); /* a good buffer gets as far as the queue */
	m = msg(0, 0, 0, 0);
	m.info = ipc_info_grant(m.info, 99, IPC_RIGHTS_ALL);
	EXPECT(ipc_send(ep, &m), -EBADHANDLE);
	EXPECT(syscall6(SYS_IPC_BASE + SYS_IPC_COUNT, 0, 0, 0, 0, 0, 0), -ENOSYS);

	/* Interrupts and device pages: only objects of their kind, with MAP. */
	EXPECT(irq_ack(ep), -EWRONGTYPE);
	EXPECT(irq_bind(ep, n, 1), -EWRONGTYPE);
	EXPECT(devpage_map(n, (void *)0x20000000UL), -EWRONGTYPE);

	/* Spawning hands a child copies of chosen handles, with the rights they have. */
	long give[2] = {handle_mint(n, IPC_RIGHT_SEND, 0), badged};
	const char *child_argv[] = {"ipc_child", "66"};
	int status = -1;

	EXPECT(give[0], 4);
	long child = spawn_with_handles("ipc_child", child_argv, 2, give, 2);

	EXPECT(child > 0, 1);
	EXPECT(sys_wait(child, &status), 0);
	EXPECT(status, 0);
	EXPECT(notify_wait(n, IPC_TIMEOUT_NO_WAIT, &bits), 0);
	EXPECT(bits, 66); /* the child's signal */
	long bad[1] = {99};
	EXPECT(spawn_with_handles("ipc_child", child_argv, 2, bad, 1), -EBADHANDLE);
	EXPECT(spawn_with_handles("ipc_child", child_argv, 2, give, -1), -EINVAL);
	EXPECT(spawn_with_handles("ipc_child", child_argv, 2, (long *)KERNEL_ADDR, 1), -EFAULT);
	EXPECT(handle_close(give[0]), 0);

	/* The table fills up, then refuses by name; closing makes room again. */
	long made = 0, h;

	while ((h = notify_create()) >= 0)
		made++;
	EXPECT(h, -ENOSPC);
	EXPECT(made > 0, 1);
	EXPECT(handle_close(n), 0);
	EXPECT(notify_create(), n);

	return utest_summary();
}
