// SPDX-License-Identifier: MIT
/*
 * Spawned by ipc_test with two handles: 0 = a notification it may only
 * signal, 1 = a badged endpoint it may only send to. Checks that it holds
 * exactly those, with exactly those rights, and signals the notification with
 * the bits of its argument (argv[1], decimal) so its parent can see it ran.
 * Exits with the number of failed checks.
 */
#include <ipc.h>
#include <user.h>

int main(int argc, char **argv)
{
	struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_NO_WAIT)};
	uint64_t bits = 0;
	int failed = 0;

	for (const char *p = argc > 1 ? argv[1] : "0"; *p >= '0' && *p <= '9'; p++)
		bits = bits * 10 + (uint64_t)(*p - '0');
	failed += notify_wait(0, IPC_TIMEOUT_NO_WAIT, NULL) != -ENORIGHT;
	failed += ipc_recv(1, &m) != -ENORIGHT;
	failed += ipc_send(1, &m) != -ETIMEDOUT; /* it may send: nobody receives */
	failed += ipc_send(2, &m) != -ECLOSED;   /* nothing else was given */
	failed += handle_mint(1, IPC_RIGHTS_ALL, 0) != 2;
	failed += ipc_recv(2, &m) != -ENORIGHT; /* a copy regains nothing */
	failed += notify_signal(0, bits) != 0;
	if (failed)
		printf("ipc_child: %d checks failed\n", failed);
	return failed;
}
