// SPDX-License-Identifier: MIT
/*
 * The first user task. Plain `init` (boot) spawns `hello`, reports its exit
 * status and stays around as the parent of what the shell does not start.
 *
 * `init console [restart] [program [args]]` (boot with
 * CONFIG_USER_CONSOLE_SERVER, or the shell's `run -h uart init console ...`):
 * handed the UART's device page (handle 0) and interrupt (handle 1), it wires
 * the user-mode console: an endpoint, uart_server started with page,
 * interrupt and the endpoint, and `program` (default hello) started with a
 * badged send-only copy of the endpoint as its console. It keeps every handle
 * itself, so it can restart the server: with `restart` it waits until the
 * client blocks in a read, kills the server (the client's read fails), starts
 * a new one (the client's retry is served). When the program exits, init
 * stops the server and exits; the kernel takes the UART back.
 */
#include <ipc.h>
#include <uart_proto.h>
#include <user.h>

static int plain(void)
{
	const char *const args[] = {"hello", "from", "init"};
	int status = -1;
	long child;

	child = sys_spawn("hello", args, 3);
	if (child < 0) {
		printf("init: spawn hello: %s\n", err_name(child));
		return 1;
	}
	if (sys_wait(child, &status) < 0 || status != 0) {
		printf("init: hello ended with status %d\n", status);
		return 1;
	}
	printf("init: hello exited with status 0\n");
	return 0;
}

static long start_server(long ep)
{
	const char *const args[] = {"uart_server"};
	const long handles[] = {0, 1, ep};
	long id = spawn_with_handles("uart_server", args, 1, handles, 3);

	if (id < 0)
		printf("init: spawn uart_server: %s\n", err_name(id));
	return id;
}

static void stop(long id)
{
	sys_kill(id);
	sys_wait(id, NULL);
}

/* Poll the server (deterministically, not on a timer) until a client waits in a read. */
static long wait_for_reader(long ep)
{
	for (;;) {
		struct ipc_msg m = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER),
		                    .words = {UART_OP_STAT}};
		long r = ipc_call(ep, &m);

		if (r < 0)
			return r;
		if (m.words[0] > 0)
			return 0;
		sys_sleep(20);
	}
}

static int console(int argc, char **argv)
{
	static const char *const dflt[] = {"hello", "through", "uart_server"};
	bool restart = argc > 0 && strcmp(argv[0], "restart") == 0;
	const char *const *args = dflt;
	int nargs = 3, status = -1;
	long ep, client, server, child;

	if (restart)
		argc--, argv++;
	if (argc > 0) {
		args = (const char *const *)argv;
		nargs = argc;
	}
	ep = endpoint_create();
	client = ep < 0 ? ep : handle_mint(ep, IPC_RIGHT_SEND, 1);
	if (client < 0) {
		printf("init: console endpoint: %s\n", err_name(client));
		return 1;
	}
	server = start_server(ep);
	if (server < 0)
		return 1;
	child = spawn_console(args[0], args, nargs, &client, 1, 0);
	if (child < 0) {
		printf("init: spawn %s: %s\n", args[0], err_name(child));
		stop(server);
		return 1;
	}
	if (restart) {
		long err = wait_for_reader(ep);

		if (err)
			printf("init: uart_server status: %s\n", err_name(err));
		stop(server);
		printf("init: uart_server killed while %s waited in a read\n", args[0]);
		server = start_server(ep);
		if (server < 0) {
			stop(child);
			return 1;
		}
		printf("init: uart_server restarted as task %ld\n", server);
	}
	sys_wait(child, &status);
	printf("init: %s exited with status %d\n", args[0], status);
	stop(server);
	return status == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	printf("init: running in user mode as task %ld\n", sys_task_id());
	if (argc > 1 && strcmp(argv[1], "console") == 0)
		return console(argc - 2, argv + 2);
	return plain();
}
