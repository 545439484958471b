// SPDX-License-Identifier: MIT
/*
 * IPC between tasks, each in its own address space. Run without arguments:
 * creates an endpoint, spawns itself as the server ("server" argument, handle
 * 0 = a receive copy of the endpoint) and as N clients ("client <i>", handle
 * 0 = a send copy badged i+1); each client makes CALLS calls checking every
 * reply (word0 + 1, its own badge echoed), the parent waits for all of them,
 * then stops the server with word0 = 0 and prints
 *   ipc_pingpong: <clients> clients x <calls> calls ok | FAIL ...
 * With "restart": a server that takes a call and hangs is killed while its
 * client waits; the client's call fails with EPEERDIED, its retry waits in the
 * queue (the parent keeps a receive handle, like a supervisor) and is served by
 * a restarted server:
 *   ipc_pingpong: restart ok
 * With "bench": one client in the parent itself, counting instructions of a
 * one-way call (the client's ecall to the server's return from reply_recv,
 * both read with rdinstret on the one hart) and of the reply, printed as
 *   bench: goal ipc_call_fast_cross_as figure=<min> limit=250 unit=instret met|missed
 */
#include <ipc.h>
#include <user.h>

#define CLIENTS 4
#define CALLS   300
#define ROUNDS  200
#define LIMIT                                                                                      \
	250 /* issue 12; seL4's fast path: 694 cycles on a SiFive U54 (cycles, not instructions)   \
	     */

static inline unsigned long instret(void)
{
	unsigned long v;

	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

/*
 * Answers word0 + 1 and the badge, and the instret of its arrival and of its
 * reply. The message lives in locals, so the inline wrappers keep it in
 * registers across the loop (what a tuned server does).
 */
static int server(void)
{
	struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};
	long ret = ipc_recv(0, &m);
	uint64_t w0 = m.words[0], badge = m.badge;

	while (ret == 0 && w0 != 0) {
		unsigned long arrived = instret();
		struct ipc_msg r = {.info = ipc_info(4, 0, 0, IPC_TIMEOUT_FOREVER),
		                    .words = {w0 + 1, badge, arrived, instret()}};

		ret = ipc_reply_recv(0, &r);
		w0 = r.words[0];
		badge = r.badge;
	}
	if (ret == 0) {
		m = (struct ipc_msg){.info = ipc_info(0, 0, 0, 0)};
		ipc_reply(&m);
	}
	return ret ? 1 : 0;
}

static long spawn_server(long ep);
static void stop(long ep);

/* Takes one call, tells the parent (handle 1), then sleeps on a notification nobody signals. */
static int hang(void)
{
	struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};
	long n = notify_create();

	if (ipc_recv(0, &m) || notify_signal(1, 1))
		return 1;
	return (int)notify_wait(n, IPC_TIMEOUT_FOREVER, NULL); /* killed here */
}

/* The first call dies with its server; the retry is served by the next one. */
static int restart_client(void)
{
	struct ipc_msg m = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), .words = {7 << 8}};
	long first = ipc_call(0, &m);

	m = (struct ipc_msg){.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), .words = {8 << 8}};
	long second = ipc_call(0, &m);

	if (first != -EPEERDIED || second != 0 || m.words[0] != (8 << 8) + 1) {
		printf("ipc_pingpong: FAIL restart client: first %ld %s, second %ld %s word %lu\n",
		       first, err_name(first), second, err_name(second), (unsigned long)m.words[0]);
		return 1;
	}
	return 0;
}

static int restart(long ep)
{
	const char *hargv[] = {"ipc_pingpong", "hang"}, *cargv[] = {"ipc_pingpong", "rclient"};
	long n = notify_create();
	long hgive[2] = {handle_mint(ep, IPC_RIGHT_RECV, 0), handle_mint(n, IPC_RIGHT_SEND, 0)};
	long hung = spawn_with_handles("ipc_pingpong", hargv, 2, hgive, 2);
	long cgive[1] = {handle_mint(ep, IPC_RIGHT_SEND, 9)};
	long cl = spawn_with_handles("ipc_pingpong", cargv, 2, cgive, 1);
	int status = -1, failed = 0;
	uint64_t bits = 0;

	/* The hung server has the client's call: kill it while the client waits for the reply. */
	failed += notify_wait(n, IPC_TIMEOUT_FOREVER, &bits) != 0 || bits != 1;
	failed += sys_kill(hung) != 0;
	failed += sys_wait(hung, &status) != 0;
	long server_id = spawn_server(ep);

	failed += sys_wait(cl, &status) != 0 || status != 0;
	stop(ep);
	failed += sys_wait(server_id, &status) != 0 || status != 0;
	handle_close(hgive[0]);
	handle_close(hgive[1]);
	handle_close(cgive[0]);
	return failed;
}

static int client(long h, uint64_t badge)
{
	for (uint64_t i = 1; i <= CALLS; i++) {
		struct ipc_msg m = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER)};
		long ret;

		m.words[0] = i << 8;
		ret = ipc_call(h, &m);
		if (ret || m.words[0] != (i << 8) + 1 || m.words[1] != badge || m.badge != 0) {
			printf(
			    "ipc_pingpong: FAIL client %lu call %lu: %ld %s word %lu badge %lu\n",
			    (unsigned long)badge, (unsigned long)i, ret, err_name(ret),
			    (unsigned long)m.words[0], (unsigned long)m.words[1]);
			return 1;
		}
	}
	return 0;
}

static void stop(long ep)
{
	struct ipc_msg m = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER)};

	m.words[0] = 0;
	ipc_call(ep, &m);
}

static long spawn_server(long ep)
{
	const char *argv[] = {"ipc_pingpong", "server"};
	long give[1] = {handle_mint(ep, IPC_RIGHT_RECV, 0)};
	long id = spawn_with_handles("ipc_pingpong", argv, 2, give, 1);

	handle_close(give[0]);
	return id;
}

static int bench(long ep)
{
	unsigned long call_min = ~0UL, reply_min = ~0UL, call_sum = 0, reply_sum = 0;

	for (int i = 0; i < ROUNDS + 8; i++) {
		struct ipc_msg m = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), .words = {1}};
		unsigned long sent = instret();
		long ret = ipc_call(ep, &m);
		unsigned long back = instret();

		if (ret)
			return 1;
		if (i < 8) /* warm */
			continue;
		unsigned long call = m.words[2] - sent, reply = back - m.words[3];

		call_sum += call;
		reply_sum += reply;
		call_min = call < call_min ? call : call_min;
		reply_min = reply < reply_min ? reply : reply_min;
	}
	printf("bench: goal ipc_call_fast_cross_as figure=%lu limit=%d unit=instret %s mean=%lu\n",
	       call_min, LIMIT, call_min <= LIMIT ? "met" : "missed", call_sum / ROUNDS);
	printf("bench: goal ipc_reply_fast_cross_as figure=%lu limit=%d unit=instret %s mean=%lu\n",
	       reply_min, LIMIT, reply_min <= LIMIT ? "met" : "missed", reply_sum / ROUNDS);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "server") == 0)
		return server();
	if (argc > 2 && strcmp(argv[1], "client") == 0)
		return client(0, (uint64_t)(argv[2][0] - '0') + 1);
	if (argc > 1 && strcmp(argv[1], "hang") == 0)
		return hang();
	if (argc > 1 && strcmp(argv[1], "rclient") == 0)
		return restart_client();
	if (argc > 1 && strcmp(argv[1], "restart") == 0) {
		long ep = endpoint_create();
		int failed = restart(ep);

		printf(failed ? "ipc_pingpong: FAIL restart (%d)\n" : "ipc_pingpong: restart ok\n",
		       failed);
		return failed;
	}

	long ep = endpoint_create(), server_id = spawn_server(ep);
	long clients[CLIENTS];
	int status, failed = 0;

	if (ep < 0 || server_id < 0) {
		printf("ipc_pingpong: FAIL setup: %ld %ld\n", ep, server_id);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "bench") == 0) {
		failed = bench(ep);
	} else {
		for (int i = 0; i < CLIENTS; i++) {
			char id[2] = {(char)('0' + i), 0};
			const char *cargv[] = {"ipc_pingpong", "client", id};
			long give[1] = {handle_mint(ep, IPC_RIGHT_SEND, (uint64_t)i + 1)};

			clients[i] = spawn_with_handles("ipc_pingpong", cargv, 3, give, 1);
			handle_close(give[0]);
		}
		for (int i = 0; i < CLIENTS; i++) {
			status = -1;
			if (clients[i] < 0 || sys_wait(clients[i], &status) || status != 0)
				failed++;
		}
	}
	stop(ep);
	status = -1;
	if (sys_wait(server_id, &status) || status != 0)
		failed++;
	if (failed)
		printf("ipc_pingpong: FAIL %d\n", failed);
	else if (argc <= 1)
		printf("ipc_pingpong: %d clients x %d calls ok\n", CLIENTS, CALLS);
	return failed;
}
