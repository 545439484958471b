// SPDX-License-Identifier: MIT
/*
 * Ping-pong stress over the IPC syscall layer: many client threads in several
 * tasks call two server threads through one endpoint, each with its own badge
 * and a buffer of random length, under a seeded random interleaving that also
 * fires timeouts and kills and restarts servers and clients. Checked after
 * every step: the endpoint's queues and that every sleeping thread has
 * someone to wake it; after every reply: it answers this
 * client's request (words, badge, buffer); at the end: every call completed
 * and every object was freed. The seed is printed; IPC_STRESS_SEED=n replays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/errno.h>

#include "ipc_fake.h"
#include "xorshift.h"

#define CLIENT_TASKS     6
#define CLIENTS_PER_TASK 4 /* FAKE_HANDLES must hold one badged handle each */
#define CLIENTS          (CLIENT_TASKS * CLIENTS_PER_TASK)
#define SERVERS          2
#define CALLS            200
#define MAX_LEN          64
#define SLICE            256 /* user memory of one client thread */

struct actor {
	struct fake_thread f;
	struct fake_task *task;
	int id;
	bool server;
	bool in_syscall; /* blocked inside nr, resumed once woken */
	unsigned long nr;
	struct ipc_regs r;
	/* client */
	long handle;
	uint64_t seq;
	uint32_t len;
	unsigned retries;
	/* server */
	bool owes_reply;
};

static struct fake_task server_task, client_tasks[CLIENT_TASKS];
static struct actor servers[SERVERS], clients[CLIENTS];
static struct ipc_endpoint *ep;
static unsigned long handled, timeouts_fired, kills;
static uint64_t last_seq_seen[CLIENTS];
static unsigned long long seed;

static uint64_t badge_of(int id)
{
	return 0xb000 + (uint64_t)id;
}

static uint64_t user_slice(const struct actor *a)
{
	return FAKE_USER_BASE + (uint64_t)(a->id % CLIENTS_PER_TASK) * SLICE;
}

static uint8_t *slice_mem(const struct actor *a)
{
	return a->task->mem + (user_slice(a) - FAKE_USER_BASE);
}

static uint8_t pattern(int id, uint64_t seq, uint32_t i)
{
	return (uint8_t)(id * 31 + seq * 7 + i);
}

static void check_queues(void)
{
	char why[80] = "";

	if (ipc_endpoint_validate(ep, why, sizeof(why)))
		fail_msg("endpoint broken: %s (seed %llu)", why, seed);
}

/*
 * A thread asleep in a syscall sits on a queue or is owed a reply by a thread
 * holding its reply capability; one not asleep is idle. Anything else is a
 * thread nobody will ever wake.
 */
static void check_thread(const struct actor *a)
{
	const struct ipc_thread *t = &a->f.ipc;

	if (!(a->in_syscall && a->f.blocked)) {
		assert_int_equal(t->state, IPC_IDLE);
		return;
	}
	switch (t->state) {
	case IPC_SEND_BLOCKED:
	case IPC_RECV_BLOCKED:
		assert_non_null(t->queue);
		break;
	case IPC_REPLY_BLOCKED:
		assert_non_null(t->replier);
		assert_ptr_equal(t->replier->reply_to, t);
		break;
	default:
		fail_msg("actor %d asleep in state %d (seed %llu)", a->id, t->state, seed);
	}
}

static void check_threads(void)
{
	for (int i = 0; i < SERVERS; i++)
		check_thread(&servers[i]);
	for (int i = 0; i < CLIENTS; i++)
		check_thread(&clients[i]);
}

/* ---- clients --------------------------------------------------------------------------------- */

static void client_issue(struct actor *c)
{
	uint32_t tmo = rng() % 4 ? IPC_TIMEOUT_FOREVER : 1 + (uint32_t)(rng() % 50);

	c->len = (uint32_t)(rng() % (MAX_LEN + 1));
	for (uint32_t i = 0; i < c->len; i++)
		slice_mem(c)[i] = pattern(c->id, c->seq, i);
	c->nr = SYS_IPC_CALL;
	c->r = (struct ipc_regs){{(uint64_t)c->handle, ipc_info(2, c->len, MAX_LEN, tmo)}};
	c->r.a[2] = ((uint64_t)c->id << 32) | c->seq;
	c->r.a[3] = c->len;
	c->r.a[6] = user_slice(c);
}

static void client_done(struct actor *c, long ret)
{
	if (ret == -ETIMEDOUT || ret == -EPEERDIED) {
		c->retries++;
		return;
	}
	assert_int_equal(ret, 0);
	/* The reply answers this very request. */
	assert_int_equal(c->r.a[2], (((uint64_t)c->id << 32) | c->seq) + 1);
	assert_int_equal(c->r.a[3], badge_of(c->id));
	assert_int_equal(c->r.a[6], 0);
	assert_int_equal(IPC_INFO_FIELD(c->r.a[1], LEN), c->len);
	for (uint32_t i = 0; i < c->len; i++)
		assert_int_equal(slice_mem(c)[i], (uint8_t)~pattern(c->id, c->seq, i));
	c->seq++;
}

/* ---- servers --------------------------------------------------------------------------------- */

static void server_issue(struct actor *s)
{
	s->nr = s->owes_reply ? SYS_IPC_REPLY_RECV : SYS_IPC_RECV;
	if (!s->owes_reply) {
		s->r = (struct ipc_regs){{0, ipc_info(0, 0, MAX_LEN, IPC_TIMEOUT_FOREVER)}};
		s->r.a[6] = FAKE_USER_BASE + (uint64_t)s->id * SLICE;
		return;
	}
	/* Reply: word 0 + 1, the client's badge, the buffer inverted. */
	uint32_t len = (uint32_t)IPC_INFO_FIELD(s->r.a[1], LEN);
	uint8_t *mem = server_task.mem + (uint64_t)s->id * SLICE;

	for (uint32_t i = 0; i < len; i++)
		mem[i] = (uint8_t)~mem[i];
	uint64_t w0 = s->r.a[2] + 1, badge = s->r.a[6];

	s->r = (struct ipc_regs){{0, ipc_info(2, len, MAX_LEN, IPC_TIMEOUT_FOREVER)}};
	s->r.a[2] = w0;
	s->r.a[3] = badge;
	s->r.a[6] = FAKE_USER_BASE + (uint64_t)s->id * SLICE;
}

static void server_done(struct actor *s, long ret)
{
	s->owes_reply = false;
	if (ret != 0) {
		assert_int_equal(ret, -EPEERDIED);
		return;
	}
	int id = (int)(s->r.a[2] >> 32);
	uint64_t seq = s->r.a[2] & 0xffffffff;

	/* The badge names the client that sent the request; requests never go backwards. */
	assert_true(id >= 0 && id < CLIENTS);
	assert_int_equal(s->r.a[6], badge_of(id));
	assert_int_equal(IPC_INFO_FIELD(s->r.a[1], LEN), s->r.a[3]);
	assert_true(seq >= last_seq_seen[id]);
	last_seq_seen[id] = seq;
	handled++;
	s->owes_reply = true;
}

/* ---- the scheduler --------------------------------------------------------------------------- */

static void actor_start(struct actor *a)
{
	fake_thread_init(&a->f, a->task);
	a->in_syscall = false;
	a->owes_reply = false;
}

static void step(struct actor *a)
{
	long ret;

	if (a->in_syscall) {
		ret = ipc_syscall_resume(&a->f.ipc, a->nr, &a->r);
	} else {
		if (a->server)
			server_issue(a);
		else
			client_issue(a);
		ret = ipc_syscall(&a->f.ipc, a->nr, &a->r);
	}
	a->in_syscall = ret == IPC_BLOCKED;
	if (a->in_syscall)
		return;
	if (a->server)
		server_done(a, ret);
	else
		client_done(a, ret);
}

static bool runnable(const struct actor *a)
{
	return !(a->in_syscall && a->f.blocked) && (a->server || a->seq < CALLS);
}

static void fire_a_timeout(void)
{
	struct actor *c = &clients[rng() % CLIENTS];

	if (!c->in_syscall || !c->f.blocked || c->f.timeout_ms == IPC_TIMEOUT_FOREVER)
		return;
	unsigned long flags = ipc_lock();

	if (ipc_cancel(&c->f.ipc, -ETIMEDOUT)) {
		c->f.blocked = false;
		timeouts_fired++;
	}
	ipc_unlock(flags);
}

/* A thread is killed wherever it is, and a fresh one takes its place. */
static void kill_and_restart(struct actor *a)
{
	unsigned long flags = ipc_lock();

	ipc_thread_exit(&a->f.ipc);
	ipc_unlock(flags);
	actor_start(a);
	kills++;
}

static void ping_pong_across_many_clients(void **state)
{
	(void)state;
	const char *env = getenv("IPC_STRESS_SEED");

	rng_state = env ? strtoull(env, NULL, 0) : 0x1b0a5eed;
	if (!rng_state)
		rng_state = 1;
	printf("ipc_stress: seed %llu\n", seed);
	fake_live_allocs = 0;

	fake_task_init(&server_task);
	ep = ipc_endpoint_create();
	assert_int_equal(handle_install(&server_task.table, &ep->obj, IPC_RIGHTS_ALL, 0), 0);
	kobject_put(&ep->obj);
	for (int i = 0; i < SERVERS; i++) {
		servers[i] = (struct actor){.task = &server_task, .id = i, .server = true};
		actor_start(&servers[i]);
	}
	for (int t = 0; t < CLIENT_TASKS; t++)
		fake_task_init(&client_tasks[t]);
	for (int i = 0; i < CLIENTS; i++) {
		struct fake_task *task = &client_tasks[i / CLIENTS_PER_TASK];

		clients[i] = (struct actor){.task = task, .id = i};
		clients[i].handle =
		    handle_copy(&server_task.table, 0, IPC_RIGHT_SEND, &task->table);
		assert_true(clients[i].handle >= 0);
		/* Swap the plain copy for a badged one: mint, then close the original. */
		long badged =
		    handle_mint(&task->table, clients[i].handle, IPC_RIGHT_SEND, badge_of(i));
		assert_true(badged >= 0);
		assert_int_equal(handle_close(&task->table, clients[i].handle), 0);
		clients[i].handle = badged;
		actor_start(&clients[i]);
	}

	unsigned long steps = 0, done = 0;

	while (done < CLIENTS) {
		assert_true(++steps < 10000000);
		uint64_t dice = rng() % 1000;

		if (dice < 30) {
			fire_a_timeout();
		} else if (dice < 32) {
			kill_and_restart(&servers[rng() % SERVERS]);
		} else if (dice < 34) {
			kill_and_restart(&clients[rng() % CLIENTS]);
		} else {
			struct actor *a =
			    rng() % 4 == 0 ? &servers[rng() % SERVERS] : &clients[rng() % CLIENTS];
			if (runnable(a))
				step(a);
		}
		check_queues();
		check_threads();
		done = 0;
		for (int i = 0; i < CLIENTS; i++)
			done += clients[i].seq == CALLS;
	}

	unsigned long retries = 0;

	for (int i = 0; i < CLIENTS; i++)
		retries += clients[i].retries;
	printf("ipc_stress: %d calls, %lu handled by servers, %lu steps, %lu timeouts fired, "
	       "%lu retries, %lu kills\n",
	       CLIENTS * CALLS, handled, steps, timeouts_fired, retries, kills);
	assert_true(handled >= (unsigned long)CLIENTS * CALLS);
	assert_true(timeouts_fired > 0 && kills > 0); /* the interleaving did what it is for */

	for (int i = 0; i < SERVERS; i++)
		ipc_thread_exit(&servers[i].f.ipc);
	for (int i = 0; i < CLIENTS; i++)
		ipc_thread_exit(&clients[i].f.ipc);
	for (int t = 0; t < CLIENT_TASKS; t++)
		handle_table_close_all(&client_tasks[t].table);
	handle_table_close_all(&server_task.table);
	assert_int_equal(fake_live_allocs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ping_pong_across_many_clients),
	};
	return cmocka_run_group_tests_name("ipc_stress", tests, NULL, NULL);
}
