// SPDX-License-Identifier: MIT
/*
 * The runtime's console path: a task spawned with a console handle (SYS_SPAWN
 * a5, in a2 at entry) prints and reads through the UART server's endpoint
 * (<uart_proto.h>); any other task uses the kernel's SYS_WRITE / SYS_READ.
 */
#include <ipc.h>
#include <uart_proto.h>
#include <user.h>

long user_console = -1; /* crt0 stores a2 here before main */

long console_write(const void *buf, size_t len)
{
	size_t done = 0;

	if (user_console < 0)
		return sys_write(buf, len);
	while (done < len) {
		size_t n = len - done > IPC_BUF_MAX ? IPC_BUF_MAX : len - done;
		struct ipc_msg m = {
		    .info = ipc_info(1, (unsigned)n, 0, IPC_TIMEOUT_FOREVER),
		    .words = {UART_OP_WRITE},
		    .buf = (void *)((const char *)buf + done),
		};
		long r = ipc_call(user_console, &m);

		/* No server at all (nobody can receive): the kernel's console still prints. */
		if (r == -EPEERDIED)
			return sys_write((const char *)buf + done, len - done) + (long)done;
		if (r < 0)
			return done ? (long)done : r;
		done += n;
	}
	return (long)done;
}

long console_read(void *buf, size_t len)
{
	if (user_console < 0)
		return sys_read(buf, len);
	if (len > IPC_BUF_MAX)
		len = IPC_BUF_MAX;
	struct ipc_msg m = {
	    .info = ipc_info(2, 0, (unsigned)len, IPC_TIMEOUT_FOREVER),
	    .words = {UART_OP_READ, len},
	    .buf = buf,
	};
	long r = ipc_call(user_console, &m);

	/* The server's death while this call waited is an error here: the caller decides. */
	return r < 0 ? r : (long)m.words[0];
}
