// SPDX-License-Identifier: MIT
/*
 * IPC between kernel threads (suite "ipc", CONFIG_IPC): the state machine on
 * the real scheduler — blocking, waking, real timeouts, a server thread dying
 * with a caller in it, notifications across threads, and a ping-pong stress
 * of many client threads at mixed priorities against two server threads with
 * every reply checked. Kernel threads use the same syscall layer as tasks
 * (ipc_syscall) with kernel buffers.
 */
/* The servers answer in two words: configurations with one message word have only the host tests.
 */
#if defined(CONFIG_IPC) && CONFIG_IPC_MSG_WORDS >= 2

#include <bora/errno.h>
#include <bora/ipc_kernel.h>
#include <bora/ktest.h>
#include <bora/sched.h>
#include <bora/string.h>
#include <bora/thread.h>
#include <bora/timer.h>

#define SLOTS   16
#define CLIENTS 8
#define SERVERS 2
#define CALLS   200

/* One "task" for every thread of the suite: the endpoint and notification at fixed slots. */
static struct handle slots[SLOTS];
static struct handle_table table;
enum { H_EP = 0, H_NOTIFY = 1, H_BADGED = 2 /* .. H_BADGED + CLIENTS - 1 */ };

static int suite_setup(void)
{
	struct ipc_endpoint *ep = ipc_endpoint_create();
	struct ipc_notification *n = ipc_notification_create();
	unsigned long flags = ipc_lock();
	int err = 0;

	handle_table_init(&table, slots, SLOTS);
	if (!ep || !n)
		err = -ENOMEM;
	if (!err && handle_install(&table, &ep->obj, IPC_RIGHTS_ALL, 0) != H_EP)
		err = -ECORRUPT;
	if (!err && handle_install(&table, &n->obj, IPC_RIGHTS_ALL, 0) != H_NOTIFY)
		err = -ECORRUPT;
	for (int i = 0; i < CLIENTS && !err; i++)
		if (handle_mint(&table, H_EP, IPC_RIGHT_SEND, 0xb0 + i) != H_BADGED + i)
			err = -ECORRUPT;
	if (ep)
		kobject_put(&ep->obj);
	if (n)
		kobject_put(&n->obj);
	ipc_unlock(flags);
	return err;
}

static void suite_teardown(void)
{
	unsigned long flags = ipc_lock();

	handle_table_close_all(&table);
	ipc_unlock(flags);
}

static struct ipc_thread *me(void)
{
	return ipc_thread_attach(thread_current(), &table, true);
}

static long kcall(unsigned long nr, long h, uint64_t info, uint64_t w0, uint64_t w1,
                  struct ipc_regs *r)
{
	*r = (struct ipc_regs){{(uint64_t)h, info, w0, w1}};
	return ipc_syscall(me(), nr, r);
}

/* A server: answers word0 + 1 and the caller's badge, until told to stop (word0 == ~0). */
struct server {
	long handled;
	long result;
	bool die_holding_a_call; /* receive one call, then exit without replying */
};

static void server_main(void *arg)
{
	struct server *s = arg;
	struct ipc_regs r;
	long ret = kcall(SYS_IPC_RECV, H_EP, ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER), 0, 0, &r);

	while (ret == 0 && !s->die_holding_a_call && r.a[2] != ~0ull) {
		s->handled++;
		ret = kcall(SYS_IPC_REPLY_RECV, H_EP, ipc_info(2, 0, 0, IPC_TIMEOUT_FOREVER),
		            r.a[2] + 1, r.a[6], &r);
	}
	if (ret == 0 && !s->die_holding_a_call)
		kcall(SYS_IPC_REPLY, 0, 0, 0, 0, &r);
	s->result = ret;
	ipc_thread_release(thread_current());
}

static void stop_server(void)
{
	struct ipc_regs r;

	kcall(SYS_IPC_CALL, H_EP, ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), ~0ull, 0, &r);
}

KTEST(ipc, call_reply_between_threads_carries_words_and_badges)
{
	struct server s = {0};
	struct thread *t;
	struct ipc_regs r;

	KTEST_ASSERT_EQ(suite_setup(), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&t, server_main, &s, THREAD_PRIO_DEFAULT - 1, 0, "ipcsrv"), 0);
	for (uint64_t i = 0; i < 50; i++) {
		KTEST_ASSERT_EQ(kcall(SYS_IPC_CALL, H_BADGED + (long)(i % CLIENTS),
		                      ipc_info(2, 0, 0, IPC_TIMEOUT_FOREVER), i, 0, &r),
		                0);
		KTEST_ASSERT_EQ(r.a[2], i + 1);
		KTEST_ASSERT_EQ(r.a[3], 0xb0 + i % CLIENTS);
		KTEST_ASSERT_EQ(IPC_INFO_FIELD(r.a[1], WORDS), 2);
		KTEST_ASSERT_EQ(r.a[6], 0); /* a reply has no badge */
	}
	stop_server();
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(s.handled, 50);
	KTEST_ASSERT_EQ(s.result, 0);
	ipc_thread_release(thread_current());
	suite_teardown();
}

KTEST(ipc, a_timeout_ends_a_wait_and_leaves_the_queue)
{
	struct ipc_regs r;
	uint64_t start = timer_now();

	KTEST_ASSERT_EQ(suite_setup(), 0);
	KTEST_ASSERT_EQ(kcall(SYS_IPC_CALL, H_EP, ipc_info(0, 0, 0, 20), 0, 0, &r), -ETIMEDOUT);
	/* Never early: at least 20 ms passed (a lower bound only; a busy host makes it later). */
	KTEST_ASSERT(timer_now() - start >= timer_freq() / 50);
	KTEST_ASSERT_EQ(kcall(SYS_IPC_RECV, H_EP, ipc_info(0, 0, 0, 0), 0, 0, &r), -ETIMEDOUT);
	KTEST_ASSERT_EQ(kcall(SYS_NOTIFY_WAIT, H_NOTIFY, ipc_info(0, 0, 0, 5), 0, 0, &r),
	                -ETIMEDOUT);
	ipc_thread_release(thread_current());
	suite_teardown();
}

KTEST(ipc, a_server_dying_with_a_call_fails_the_caller)
{
	struct server s = {.die_holding_a_call = true};
	struct thread *t;
	struct ipc_regs r;

	KTEST_ASSERT_EQ(suite_setup(), 0);
	/* Below main: the caller queues first, the server takes the call and exits. */
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&t, server_main, &s, THREAD_PRIO_DEFAULT + 1, 0, "ipcdie"), 0);
	KTEST_ASSERT_EQ(kcall(SYS_IPC_CALL, H_EP, ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), 7, 0, &r),
	                -EPEERDIED);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(s.result, 0);
	ipc_thread_release(thread_current());
	suite_teardown();
}

struct notifier {
	long result;
	uint64_t bits;
};

static void notify_waiter(void *arg)
{
	struct notifier *n = arg;
	struct ipc_regs r;

	n->result =
	    kcall(SYS_NOTIFY_WAIT, H_NOTIFY, ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER), 0, 0, &r);
	n->bits = r.a[1];
	ipc_thread_release(thread_current());
}

KTEST(ipc, a_signal_wakes_the_waiting_thread_with_its_bits)
{
	struct notifier n = {1, 0};
	struct thread *t;
	struct ipc_regs r;

	KTEST_ASSERT_EQ(suite_setup(), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&t, notify_waiter, &n, THREAD_PRIO_DEFAULT - 1, 0, "ipcwait"), 0);
	/* Preemptive kernels ran it already; a cooperative one runs it when main yields. */
	thread_yield();
	KTEST_ASSERT(t->state == THREAD_BLOCKED);
	r = (struct ipc_regs){{H_NOTIFY, 0x5a}};
	KTEST_ASSERT_EQ(ipc_syscall(me(), SYS_NOTIFY_SIGNAL, &r), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(n.result, 0);
	KTEST_ASSERT_EQ(n.bits, 0x5a);
	ipc_thread_release(thread_current());
	suite_teardown();
}

struct client {
	int id;
	long failures;
	long done;
};

static void client_main(void *arg)
{
	struct client *c = arg;
	char buf[24], back[24];
	struct ipc_regs r;

	for (long i = 0; i < CALLS; i++) {
		uint64_t w0 = ((uint64_t)c->id << 32) | (uint64_t)i;

		memset(buf, 'a' + c->id, sizeof(buf));
		r = (struct ipc_regs){{H_BADGED + (uint64_t)c->id,
		                       ipc_info(2, sizeof(buf), sizeof(back), IPC_TIMEOUT_FOREVER),
		                       w0, 0}};
		memcpy(back, buf, sizeof(back));
		r.a[6] = (uint64_t)back;
		long ret = ipc_syscall(me(), SYS_IPC_CALL, &r);
		bool inverted = IPC_INFO_FIELD(r.a[1], LEN) == sizeof(buf);

		for (size_t k = 0; k < sizeof(buf); k++)
			inverted = inverted && back[k] == (char)~buf[k];
		if (ret != 0 || r.a[2] != w0 + 1 || r.a[3] != 0xb0 + (uint64_t)c->id || !inverted)
			c->failures++;
		c->done++;
		if (i % 16 == 0)
			thread_yield();
	}
	ipc_thread_release(thread_current());
}

/* The stress's server: server_main's answers, and the buffer sent back inverted. */
static void echo_server_main(void *arg)
{
	struct server *s = arg;
	char buf[64];
	struct ipc_regs r = {{H_EP, ipc_info(0, 0, sizeof(buf), IPC_TIMEOUT_FOREVER)}};
	long ret;

	r.a[6] = (uint64_t)buf;
	ret = ipc_syscall(me(), SYS_IPC_RECV, &r);
	while (ret == 0 && r.a[2] != ~0ull) {
		uint32_t len = (uint32_t)IPC_INFO_FIELD(r.a[1], LEN);

		for (uint32_t k = 0; k < len; k++)
			buf[k] = (char)~buf[k];
		s->handled++;
		r = (struct ipc_regs){
		    {H_EP, ipc_info(2, len, sizeof(buf), IPC_TIMEOUT_FOREVER), r.a[2] + 1, r.a[6]}};
		r.a[6] = (uint64_t)buf;
		ret = ipc_syscall(me(), SYS_IPC_REPLY_RECV, &r);
	}
	if (ret == 0)
		kcall(SYS_IPC_REPLY, 0, 0, 0, 0, &r);
	s->result = ret;
	ipc_thread_release(thread_current());
}

KTEST(ipc, ping_pong_stress_across_many_client_threads)
{
	struct server s[SERVERS] = {0};
	struct client c[CLIENTS];
	struct thread *st[SERVERS], *ct[CLIENTS];

	KTEST_ASSERT_EQ(suite_setup(), 0);
	for (int i = 0; i < SERVERS; i++)
		KTEST_ASSERT_EQ(ktest_thread_create(&st[i], echo_server_main, &s[i],
		                                    THREAD_PRIO_DEFAULT - 2 + i * 4, 0, "ipcecho"),
		                0);
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){.id = i};
		KTEST_ASSERT_EQ(ktest_thread_create(&ct[i], client_main, &c[i],
		                                    THREAD_PRIO_DEFAULT - 3 + (i % 7), 0, "ipccli"),
		                0);
	}
	for (int i = 0; i < CLIENTS; i++)
		KTEST_ASSERT_EQ(thread_join(ct[i], FOREVER), 0);
	for (int i = 0; i < SERVERS; i++)
		stop_server();
	for (int i = 0; i < SERVERS; i++)
		KTEST_ASSERT_EQ(thread_join(st[i], FOREVER), 0);

	long handled = 0;

	for (int i = 0; i < CLIENTS; i++) {
		KTEST_ASSERT_EQ(c[i].failures, 0);
		KTEST_ASSERT_EQ(c[i].done, CALLS);
	}
	for (int i = 0; i < SERVERS; i++) {
		KTEST_ASSERT_EQ(s[i].result, 0);
		handled += s[i].handled;
	}
	KTEST_ASSERT_EQ(handled, CLIENTS * CALLS);
	ipc_thread_release(thread_current());
	suite_teardown();
}

#endif
