// SPDX-License-Identifier: MIT
/*
 * The IPC state machine (kernel/ipc_endpoint.c, ipc_notify.c) and its syscall
 * layer (kernel/ipc_syscall.c) over the fake environment of ipc_fake.c:
 * ordering, badges, rights, grants, reply capabilities, timeouts, peer death,
 * buffers, notifications and argument decoding. Every test ends with every
 * object freed (the teardown checks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <bora/errno.h>

#include "ipc_fake.h"

#define FOREVER ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)

static struct fake_task server_task, client_task, other_task;
static struct fake_thread server, server2, c1, c2, c3;

/* Handles every test starts with. */
enum {
	S_EP = 0,  /* server: the endpoint, every right */
	C_EP = 0,  /* clients: SEND | GRANT, badge 0xc1 */
	C_EP2 = 1, /* clients: SEND only, badge 0xc2 */
	O_EP = 0,  /* other task: SEND, unbadged */
};

static struct ipc_endpoint *ep;

static int setup(void **state)
{
	(void)state;
	fake_live_allocs = 0;
	fake_task_init(&server_task);
	fake_task_init(&client_task);
	fake_task_init(&other_task);
	fake_thread_init(&server, &server_task);
	fake_thread_init(&server2, &server_task);
	fake_thread_init(&c1, &client_task);
	fake_thread_init(&c2, &client_task);
	fake_thread_init(&c3, &other_task);
	fake_wake_log_reset();
	fake_irq_reset();

	ep = ipc_endpoint_create();
	assert_non_null(ep);
	assert_int_equal(handle_install(&server_task.table, &ep->obj, IPC_RIGHTS_ALL, 0), S_EP);
	assert_int_equal(
	    handle_install(&client_task.table, &ep->obj, IPC_RIGHT_SEND | IPC_RIGHT_GRANT, 0xc1),
	    C_EP);
	assert_int_equal(handle_install(&client_task.table, &ep->obj, IPC_RIGHT_SEND, 0xc2), C_EP2);
	assert_int_equal(handle_install(&other_task.table, &ep->obj, IPC_RIGHT_SEND, 0), O_EP);
	kobject_put(&ep->obj);
	return 0;
}

static void check_endpoint(void)
{
	char why[80] = "";

	assert_int_equal(ipc_endpoint_validate(ep, why, sizeof(why)), 0);
}

static int teardown(void **state)
{
	(void)state;
	struct fake_thread *all[] = {&server, &server2, &c1, &c2, &c3};

	for (unsigned i = 0; i < ARRAY_SIZE(all); i++)
		ipc_thread_exit(&all[i]->ipc);
	handle_table_close_all(&server_task.table);
	handle_table_close_all(&client_task.table);
	handle_table_close_all(&other_task.table);
	assert_int_equal(fake_live_allocs, 0);
	return 0;
}

static void msg(struct fake_thread *t, uint32_t n, uint64_t w0, uint64_t w1)
{
	t->ipc.msg.nwords = n;
	t->ipc.msg.words[0] = w0;
	t->ipc.msg.words[1] = w1;
	t->ipc.msg.len = 0;
	t->ipc.buf = NULL;
	t->ipc.buf_cap = 0;
}

/* ---- ordering and badges ------------------------------------------------------------------- */

static void send_to_a_waiting_receiver_delivers_words_and_badge(void **state)
{
	(void)state;
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), IPC_BLOCKED);
	msg(&c1, 2, 11, 22);
	assert_int_equal(ipc_send(&c1.ipc, C_EP2, true), 0);
	assert_int_equal(fake_wake_count, 1);
	assert_ptr_equal(fake_wake_log[0], &server);
	assert_int_equal(server.ipc.result, 0);
	assert_int_equal(server.ipc.msg.nwords, 2);
	assert_int_equal(server.ipc.msg.words[0], 11);
	assert_int_equal(server.ipc.msg.words[1], 22);
	assert_int_equal(server.ipc.msg.badge, 0xc2);
	assert_int_equal(server.ipc.msg.handle, -1);
	check_endpoint();
}

static void senders_are_received_in_arrival_order(void **state)
{
	(void)state;
	msg(&c1, 1, 1, 0);
	assert_int_equal(ipc_send(&c1.ipc, C_EP, true), IPC_BLOCKED);
	msg(&c3, 1, 3, 0);
	assert_int_equal(ipc_send(&c3.ipc, O_EP, true), IPC_BLOCKED);
	msg(&c2, 1, 2, 0);
	assert_int_equal(ipc_send(&c2.ipc, C_EP2, true), IPC_BLOCKED);
	check_endpoint();

	const uint64_t want_word[] = {1, 3, 2}, want_badge[] = {0xc1, 0, 0xc2};
	struct fake_thread *want_woken[] = {&c1, &c3, &c2};

	for (int i = 0; i < 3; i++) {
		assert_int_equal(ipc_recv(&server.ipc, S_EP, false), 0);
		assert_int_equal(server.ipc.msg.words[0], want_word[i]);
		assert_int_equal(server.ipc.msg.badge, want_badge[i]);
		assert_ptr_equal(fake_wake_log[i], want_woken[i]);
		assert_int_equal(want_woken[i]->ipc.result, 0);
		check_endpoint();
	}
	assert_int_equal(ipc_recv(&server.ipc, S_EP, false), -ETIMEDOUT);
}

static void receivers_are_served_in_arrival_order(void **state)
{
	(void)state;
	assert_int_equal(handle_install(&client_task.table, &ep->obj, IPC_RIGHT_RECV, 0), 2);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&c2.ipc, 2, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server2.ipc, S_EP, true), IPC_BLOCKED);
	check_endpoint();
	for (uint64_t i = 0; i < 3; i++) {
		msg(&c3, 1, 100 + i, 0);
		assert_int_equal(ipc_send(&c3.ipc, O_EP, false), 0);
	}
	assert_int_equal(fake_wake_count, 3);
	assert_ptr_equal(fake_wake_log[0], &server);
	assert_ptr_equal(fake_wake_log[1], &c2);
	assert_ptr_equal(fake_wake_log[2], &server2);
	assert_int_equal(server.ipc.msg.words[0], 100);
	assert_int_equal(c2.ipc.msg.words[0], 101);
	assert_int_equal(server2.ipc.msg.words[0], 102);
	check_endpoint();
}

/* ---- call and the reply capability ------------------------------------------------------------
 */

static void call_waits_for_the_reply_which_carries_badge_zero(void **state)
{
	(void)state;
	msg(&c1, 1, 5, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(c1.ipc.state, IPC_SEND_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	assert_int_equal(server.ipc.msg.words[0], 5);
	assert_int_equal(server.ipc.msg.badge, 0xc1);
	/* Taken, but not answered: the caller sleeps on. */
	assert_int_equal(c1.ipc.state, IPC_REPLY_BLOCKED);
	assert_int_equal(fake_wake_count, 0);

	msg(&server, 2, 50, 51);
	assert_int_equal(ipc_reply(&server.ipc), 0);
	assert_int_equal(fake_wake_count, 1);
	assert_int_equal(c1.ipc.result, 0);
	assert_int_equal(c1.ipc.state, IPC_IDLE);
	assert_int_equal(c1.ipc.msg.nwords, 2);
	assert_int_equal(c1.ipc.msg.words[1], 51);
	assert_int_equal(c1.ipc.msg.badge, 0);
}

static void a_reply_capability_is_used_once(void **state)
{
	(void)state;
	assert_int_equal(ipc_reply(&server.ipc), -ENOREPLY); /* nothing received yet */
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), IPC_BLOCKED);
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED); /* fast: server waited */
	assert_int_equal(c1.ipc.state, IPC_REPLY_BLOCKED);
	assert_ptr_equal(server.ipc.reply_to, &c1.ipc);
	assert_int_equal(ipc_reply(&server.ipc), 0);
	assert_int_equal(ipc_reply(&server.ipc), -ENOREPLY);
	assert_int_equal(c1.wakes, 1);

	/* A plain send leaves no reply capability. */
	msg(&c2, 0, 0, 0);
	assert_int_equal(ipc_send(&c2.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	assert_int_equal(ipc_reply(&server.ipc), -ENOREPLY);
}

static void reply_recv_answers_then_takes_the_next_caller(void **state)
{
	(void)state;
	msg(&c1, 1, 1, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	msg(&c2, 1, 2, 0);
	assert_int_equal(ipc_call(&c2.ipc, C_EP2, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	msg(&server, 1, 10, 0);
	assert_int_equal(ipc_reply_recv(&server.ipc, S_EP, true), 0);
	assert_int_equal(server.ipc.reply_result, 0);
	assert_int_equal(c1.ipc.result, 0);
	assert_int_equal(c1.ipc.msg.words[0], 10);
	assert_int_equal(server.ipc.msg.words[0], 2); /* c2's request */
	assert_int_equal(server.ipc.msg.badge, 0xc2);
	msg(&server, 1, 20, 0);
	assert_int_equal(ipc_reply_recv(&server.ipc, S_EP, true), IPC_BLOCKED);
	assert_int_equal(c2.ipc.msg.words[0], 20);
	assert_int_equal(server.ipc.state, IPC_RECV_BLOCKED);
	check_endpoint();
}

static void receiving_again_without_replying_fails_the_caller(void **state)
{
	(void)state;
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), IPC_BLOCKED);
	assert_int_equal(c1.ipc.result, -EPEERDIED);
	assert_int_equal(c1.ipc.state, IPC_IDLE);
	assert_null(server.ipc.reply_to);
}

/* ---- rights ------------------------------------------------------------------------------------
 */

static void every_operation_checks_its_right_and_type(void **state)
{
	(void)state;
	struct ipc_notification *n = ipc_notification_create();

	assert_int_equal(handle_install(&client_task.table, &n->obj, IPC_RIGHTS_ALL, 0), 2);
	kobject_put(&n->obj);
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_recv(&c1.ipc, C_EP, true), -ENORIGHT); /* SEND | GRANT only */
	assert_int_equal(ipc_reply_recv(&c1.ipc, C_EP, true), -ENORIGHT);
	assert_int_equal(ipc_send(&c1.ipc, 2, true), -EWRONGTYPE); /* a notification */
	assert_int_equal(ipc_call(&c1.ipc, 3, true), -ECLOSED);
	assert_int_equal(ipc_send(&c1.ipc, FAKE_HANDLES, true), -EBADHANDLE);
	assert_int_equal(ipc_send(&c1.ipc, -1, true), -EBADHANDLE);
	assert_int_equal(ipc_notify_wait(&c1.ipc, C_EP, true), -EWRONGTYPE);
	assert_int_equal(ipc_notify_signal(&c3.ipc, O_EP, 1), -EWRONGTYPE);

	/* A receive-only handle cannot send. */
	assert_int_equal(handle_mint(&server_task.table, S_EP, IPC_RIGHT_RECV, 0), 1);
	assert_int_equal(ipc_send(&server.ipc, 1, true), -ENORIGHT);
	assert_int_equal(ipc_recv(&server.ipc, 1, false), -ETIMEDOUT);
	check_endpoint();
	assert_int_equal(fake_wake_count, 0);
}

/* ---- grants ------------------------------------------------------------------------------------
 */

static void a_granted_handle_arrives_with_reduced_rights(void **state)
{
	(void)state;
	struct ipc_notification *n = ipc_notification_create();

	assert_int_equal(handle_install(&client_task.table, &n->obj, IPC_RIGHTS_ALL, 0x77), 2);
	kobject_put(&n->obj);

	/* No GRANT on the endpoint handle: refused, and the object is not referenced. */
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_attach_grant(&c1.ipc, 2, IPC_RIGHT_SEND), 0);
	assert_int_equal(n->obj.refs, 2);
	assert_int_equal(ipc_send(&c1.ipc, C_EP2, true), -ENORIGHT);
	assert_int_equal(n->obj.refs, 1);
	assert_null(c1.ipc.grant);
	assert_int_equal(ipc_attach_grant(&c1.ipc, 5, IPC_RIGHT_SEND), -ECLOSED);

	/* With GRANT: the server gets a SEND-only copy that keeps the badge. */
	assert_int_equal(ipc_attach_grant(&c1.ipc, 2, IPC_RIGHT_SEND), 0);
	assert_int_equal(ipc_send(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	int got = server.ipc.msg.handle;
	assert_int_equal(got, 1);
	assert_int_equal(server.ipc.msg.rights, IPC_RIGHT_SEND);
	assert_int_equal(server_task.table.slots[got].badge, 0x77);
	assert_int_equal(ipc_notify_signal(&server.ipc, got, 4), 0);
	assert_int_equal(ipc_notify_wait(&server.ipc, got, true), -ENORIGHT);
	assert_int_equal(n->obj.refs, 2); /* the client's handle and the server's */
	assert_null(c1.ipc.grant);
}

static void a_grant_to_a_full_table_is_reported_lost(void **state)
{
	(void)state;
	struct fake_task full;
	struct fake_thread rx;
	struct ipc_endpoint *e = ipc_endpoint_create();

	fake_task_init(&full);
	fake_thread_init(&rx, &full);
	for (int i = 0; i < FAKE_HANDLES; i++)
		assert_int_equal(handle_install(&full.table, &e->obj, IPC_RIGHT_RECV, 0), i);
	assert_int_equal(handle_install(&client_task.table, &e->obj, IPC_RIGHTS_ALL, 0), 2);
	kobject_put(&e->obj);

	assert_int_equal(ipc_recv(&rx.ipc, 0, true), IPC_BLOCKED);
	msg(&c1, 1, 9, 0);
	assert_int_equal(ipc_attach_grant(&c1.ipc, C_EP, IPC_RIGHTS_ALL), 0);
	assert_int_equal(ipc_send(&c1.ipc, 2, true), 0);
	assert_int_equal(rx.ipc.result, 0);
	assert_int_equal(rx.ipc.msg.words[0], 9);
	assert_int_equal(rx.ipc.msg.handle, -1);
	assert_true(rx.ipc.msg.flags & IPC_INFO_GRANT_LOST);
	assert_int_equal(ep->obj.refs, 4); /* three client handles and the server's: no leak */
	handle_table_close_all(&full.table);
}

static void a_reply_grants_only_when_the_call_could(void **state)
{
	(void)state;
	/* c2 calls through SEND-only C_EP2: the reply may not carry a handle. */
	msg(&c2, 0, 0, 0);
	assert_int_equal(ipc_call(&c2.ipc, C_EP2, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	msg(&server, 0, 0, 0);
	assert_int_equal(ipc_attach_grant(&server.ipc, S_EP, IPC_RIGHT_SEND), 0);
	assert_int_equal(ipc_reply(&server.ipc), -ENORIGHT);
	assert_int_equal(c2.ipc.state, IPC_REPLY_BLOCKED); /* still owed a reply */
	assert_int_equal(ipc_reply(&server.ipc), 0);

	/* c1 calls through C_EP (GRANT): it gets a SEND copy of the server's endpoint. */
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	assert_int_equal(ipc_attach_grant(&server.ipc, S_EP, IPC_RIGHT_SEND), 0);
	assert_int_equal(ipc_reply(&server.ipc), 0);
	assert_int_equal(c1.ipc.msg.handle, 2);
	assert_int_equal(client_task.table.slots[2].rights, IPC_RIGHT_SEND);
	assert_int_equal(client_task.table.slots[2].badge, 0);
}

/* ---- timeouts ----------------------------------------------------------------------------------
 */

static void no_wait_fails_at_once_and_a_cancelled_sender_is_never_received(void **state)
{
	(void)state;
	msg(&c1, 1, 1, 0);
	assert_int_equal(ipc_send(&c1.ipc, C_EP, false), -ETIMEDOUT);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, false), -ETIMEDOUT);
	assert_int_equal(ipc_notify_wait(&server.ipc, S_EP, false), -EWRONGTYPE);

	assert_int_equal(ipc_send(&c1.ipc, C_EP, true), IPC_BLOCKED);
	msg(&c2, 1, 2, 0);
	assert_int_equal(ipc_send(&c2.ipc, C_EP2, true), IPC_BLOCKED);
	assert_true(ipc_cancel(&c1.ipc, -ETIMEDOUT)); /* its timer fired */
	assert_false(ipc_cancel(&c1.ipc, -ETIMEDOUT));
	assert_int_equal(c1.ipc.result, -ETIMEDOUT);
	check_endpoint();
	assert_int_equal(ipc_recv(&server.ipc, S_EP, false), 0);
	assert_int_equal(server.ipc.msg.words[0], 2);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, false), -ETIMEDOUT);
}

static void a_call_timing_out_in_the_server_makes_the_reply_fail_harmlessly(void **state)
{
	(void)state;
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	assert_true(ipc_cancel(&c1.ipc, -ETIMEDOUT));
	assert_int_equal(c1.ipc.result, -ETIMEDOUT);
	assert_null(c1.ipc.replier);
	msg(&server, 1, 1, 0);
	assert_int_equal(ipc_reply(&server.ipc), -EPEERDIED);
	assert_int_equal(ipc_reply(&server.ipc), -ENOREPLY);
	assert_int_equal(c1.wakes, 0);
	assert_int_equal(c1.ipc.result, -ETIMEDOUT);
}

/* ---- death -------------------------------------------------------------------------------------
 */

static void a_server_dying_with_the_reply_capability_fails_its_caller(void **state)
{
	(void)state;
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	ipc_thread_exit(&server.ipc);
	assert_int_equal(c1.ipc.result, -EPEERDIED);
	assert_int_equal(c1.ipc.state, IPC_IDLE);
	assert_int_equal(c1.wakes, 1);
}

static void the_last_receiving_handle_going_fails_every_sender(void **state)
{
	(void)state;
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	msg(&c2, 0, 0, 0);
	assert_int_equal(ipc_send(&c2.ipc, C_EP2, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server2.ipc, S_EP, true), 0); /* takes c1's call */
	/* The server task dies: its threads first, then its handles. */
	ipc_thread_exit(&server.ipc);
	ipc_thread_exit(&server2.ipc);
	assert_int_equal(c1.ipc.result, -EPEERDIED);
	assert_int_equal(c2.ipc.state, IPC_SEND_BLOCKED);
	handle_table_close_all(&server_task.table);
	assert_int_equal(c2.ipc.result, -EPEERDIED);
	assert_int_equal(c2.ipc.state, IPC_IDLE);
	check_endpoint();
	/* And nothing can be sent any more. */
	assert_int_equal(ipc_send(&c3.ipc, O_EP, true), -EPEERDIED);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), -EPEERDIED);
}

static void a_supervisor_keeping_a_receive_handle_keeps_callers_queued(void **state)
{
	(void)state;
	/* The "other" task supervises: it keeps a receive handle across the restart. */
	assert_int_equal(handle_copy(&server_task.table, S_EP, IPC_RIGHT_RECV, &other_task.table),
	                 1);
	msg(&c1, 1, 42, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	msg(&c2, 1, 43, 0);
	assert_int_equal(ipc_call(&c2.ipc, C_EP2, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0); /* c1's call is in the server */
	ipc_thread_exit(&server.ipc);
	handle_table_close_all(&server_task.table);
	assert_int_equal(c1.ipc.result, -EPEERDIED); /* its request died with the server */
	assert_int_equal(c2.ipc.state, IPC_SEND_BLOCKED);

	/* The restarted server gets a receive handle from the supervisor and serves c2. */
	fake_task_init(&server_task);
	fake_thread_init(&server, &server_task);
	assert_int_equal(handle_copy(&other_task.table, 1, IPC_RIGHTS_ALL, &server_task.table), 0);
	assert_int_equal(ipc_recv(&server.ipc, 0, true), 0);
	assert_int_equal(server.ipc.msg.words[0], 43);
	assert_int_equal(ipc_reply(&server.ipc), 0);
	assert_int_equal(c2.ipc.result, 0);
}

static void a_client_dying_in_each_state_leaves_the_server_unharmed(void **state)
{
	(void)state;
	/* Queued as a sender (with a handle in flight: its reference goes too). */
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_attach_grant(&c1.ipc, C_EP2, IPC_RIGHTS_ALL), 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ep->obj.refs, 5);
	ipc_thread_exit(&c1.ipc);
	assert_int_equal(ep->obj.refs, 4);
	check_endpoint();
	assert_int_equal(ipc_recv(&server.ipc, S_EP, false), -ETIMEDOUT);

	/* Waiting for the reply: the reply fails harmlessly, the next call is served. */
	fake_thread_init(&c1, &client_task);
	msg(&c1, 0, 0, 0);
	assert_int_equal(ipc_call(&c1.ipc, C_EP, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), 0);
	ipc_thread_exit(&c1.ipc);
	msg(&c2, 1, 7, 0);
	assert_int_equal(ipc_call(&c2.ipc, C_EP, true), IPC_BLOCKED);
	msg(&server, 1, 70, 0);
	assert_int_equal(ipc_reply_recv(&server.ipc, S_EP, true), 0);
	assert_int_equal(server.ipc.reply_result, -EPEERDIED);
	assert_int_equal(server.ipc.msg.words[0], 7);
	msg(&server, 1, 71, 0);
	assert_int_equal(ipc_reply(&server.ipc), 0);
	assert_int_equal(c2.ipc.msg.words[0], 71);
	assert_int_equal(c1.wakes, 0);

	/* Every client handle gone: a waiting receiver is told instead of sleeping forever. */
	assert_int_equal(ipc_recv(&server.ipc, S_EP, true), IPC_BLOCKED);
	handle_table_close_all(&client_task.table);
	assert_int_equal(server.ipc.state, IPC_RECV_BLOCKED); /* the other task can still send */
	handle_table_close_all(&other_task.table);
	assert_int_equal(server.ipc.state, IPC_RECV_BLOCKED); /* and so can the server itself */
	assert_true(ipc_cancel(&server.ipc, -ETIMEDOUT));
	assert_int_equal(handle_mint(&server_task.table, S_EP, IPC_RIGHT_RECV, 0), 1);
	assert_int_equal(handle_close(&server_task.table, S_EP), 0);
	assert_int_equal(ipc_recv(&server.ipc, 1, true), -EPEERDIED);
}

static void destroying_an_endpoint_wakes_its_waiters(void **state)
{
	(void)state;
	struct fake_task lone;
	struct fake_thread t1, t2;
	struct ipc_endpoint *e = ipc_endpoint_create();

	fake_task_init(&lone);
	fake_thread_init(&t1, &lone);
	fake_thread_init(&t2, &lone);
	/* Only a receive handle and a send handle in one task. */
	assert_int_equal(handle_install(&lone.table, &e->obj, IPC_RIGHT_RECV, 0), 0);
	assert_int_equal(handle_install(&lone.table, &e->obj, IPC_RIGHT_SEND, 0), 1);
	kobject_put(&e->obj);
	assert_int_equal(ipc_recv(&t1.ipc, 0, true), IPC_BLOCKED);
	assert_int_equal(ipc_recv(&t2.ipc, 0, true), IPC_BLOCKED);
	assert_int_equal(handle_close(&lone.table, 1), 0);
	assert_int_equal(t1.ipc.result, -EPEERDIED);
	assert_int_equal(t2.ipc.result, -EPEERDIED);
	assert_int_equal(handle_close(&lone.table, 0), 0);
}

/* ---- notifications -----------------------------------------------------------------------------
 */

static void notifications_or_bits_and_wait_takes_them_all(void **state)
{
	(void)state;
	struct ipc_notification *n = ipc_notification_create();
	char why[80];

	assert_int_equal(handle_install(&server_task.table, &n->obj, IPC_RIGHTS_ALL, 0), 1);
	assert_int_equal(handle_install(&client_task.table, &n->obj, IPC_RIGHT_SEND, 0), 2);
	kobject_put(&n->obj);

	assert_int_equal(ipc_notify_signal(&c1.ipc, 2, 0x1), 0);
	assert_int_equal(ipc_notify_signal(&c2.ipc, 2, 0x8), 0);
	assert_int_equal(ipc_notify_signal(&c2.ipc, 2, 0x1), 0);
	assert_int_equal(ipc_notify_wait(&server.ipc, 1, false), 0);
	assert_int_equal(server.ipc.notify_bits, 0x9);
	assert_int_equal(ipc_notify_wait(&server.ipc, 1, false), -ETIMEDOUT);
	assert_int_equal(ipc_notify_wait(&c1.ipc, 2, false), -ENORIGHT);

	/* Waiters queue FIFO; each signal wakes one with everything pending. */
	assert_int_equal(ipc_notify_wait(&server.ipc, 1, true), IPC_BLOCKED);
	assert_int_equal(ipc_notify_wait(&server2.ipc, 1, true), IPC_BLOCKED);
	assert_int_equal(ipc_notification_validate(n, why, sizeof(why)), 0);
	assert_int_equal(ipc_notify_signal(&c1.ipc, 2, 0), 0); /* no bits: nobody wakes */
	assert_int_equal(fake_wake_count, 0);
	assert_int_equal(ipc_notify_signal(&c1.ipc, 2, 0x30), 0);
	assert_ptr_equal(fake_wake_log[0], &server);
	assert_int_equal(server.ipc.notify_bits, 0x30);
	assert_int_equal(n->word, 0);
	assert_int_equal(ipc_notify_signal(&c1.ipc, 2, 0x2), 0);
	assert_int_equal(server2.ipc.notify_bits, 0x2);
	assert_int_equal(ipc_notification_validate(n, why, sizeof(why)), 0);

	/* The last signaller gone: a waiter fails instead of sleeping forever. */
	assert_int_equal(handle_mint(&server_task.table, 1, IPC_RIGHT_RECV, 0), 2);
	assert_int_equal(handle_close(&server_task.table, 1), 0);
	assert_int_equal(ipc_notify_wait(&server.ipc, 2, true), IPC_BLOCKED);
	assert_int_equal(handle_close(&client_task.table, 2), 0);
	assert_int_equal(server.ipc.result, -EPEERDIED);
	assert_int_equal(ipc_notify_wait(&server.ipc, 2, true), -EPEERDIED);
	/* An interrupt binding counts as a signaller. */
	ipc_notification_add_signaller(n);
	assert_int_equal(ipc_notify_wait(&server.ipc, 2, true), IPC_BLOCKED);
	ipc_notification_signal(n, 0x100);
	assert_int_equal(server.ipc.notify_bits, 0x100);
	ipc_notification_remove_signaller(n);
}

/* ---- interrupts and device pages ------------------------------------------------------------- */

static void an_interrupt_signals_its_notification_until_acknowledged(void **state)
{
	(void)state;
	struct ipc_irq *q = ipc_irq_create(10);
	struct ipc_notification *n = ipc_notification_create();
	struct handle_table *t = &server_task.table;

	assert_int_equal(handle_install(t, &q->obj, IPC_RIGHT_MAP, 0), 1);
	assert_int_equal(handle_install(t, &q->obj, IPC_RIGHT_SEND, 0), 2);
	assert_int_equal(handle_install(t, &n->obj, IPC_RIGHT_RECV, 0), 3);
	assert_int_equal(handle_install(t, &n->obj, IPC_RIGHT_SEND, 0), 4);
	kobject_put(&q->obj);
	kobject_put(&n->obj);

	assert_int_equal(ipc_irq_bind(&server.ipc, 2, 4, 1), -ENORIGHT); /* no MAP */
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, 3, 1), -ENORIGHT); /* no SEND */
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, S_EP, 1), -EWRONGTYPE);
	assert_int_equal(ipc_irq_bind(&server.ipc, 4, 4, 1), -EWRONGTYPE);
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, 4, 0), -EINVAL);
	assert_int_equal(ipc_irq_ack(&server.ipc, 2), -ENORIGHT);
	assert_true(fake_irq_masked[10]);
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, 4, 0x4), 0);
	assert_false(fake_irq_masked[10]);

	/* Fires: masked, the waiter gets the bits; unmasked only by the acknowledgement. */
	assert_int_equal(ipc_notify_wait(&server.ipc, 3, true), IPC_BLOCKED);
	ipc_irq_fire(q);
	assert_true(fake_irq_masked[10]);
	assert_int_equal(server.ipc.result, 0);
	assert_int_equal(server.ipc.notify_bits, 0x4);
	assert_int_equal(q->count, 1);
	assert_int_equal(ipc_irq_ack(&server.ipc, 1), 0);
	assert_false(fake_irq_masked[10]);
	assert_int_equal(ipc_irq_ack(&server.ipc, 1), 0); /* nothing pending: no change */
	assert_false(fake_irq_masked[10]);

	/* The interrupt keeps the notification alive and counts as its signaller. */
	assert_int_equal(handle_close(t, 4), 0);
	assert_int_equal(ipc_notify_wait(&server.ipc, 3, true), IPC_BLOCKED);
	assert_int_equal(server.ipc.state, IPC_NOTIFY_BLOCKED);
	ipc_irq_fire(q);
	assert_int_equal(server.ipc.notify_bits, 0x4);
	assert_int_equal(ipc_irq_ack(&server.ipc, 1), 0);

	/* The interrupt's handles closed: handler detached, source masked, waiter told. */
	assert_int_equal(ipc_notify_wait(&server.ipc, 3, true), IPC_BLOCKED);
	assert_int_equal(handle_close(t, 1), 0);
	assert_int_equal(fake_irq_detached[10], 0);
	assert_int_equal(handle_close(t, 2), 0);
	assert_int_equal(fake_irq_detached[10], 1);
	assert_true(fake_irq_masked[10]);
	assert_int_equal(server.ipc.result, -EPEERDIED);
}

static void rebinding_moves_the_interrupt_between_notifications(void **state)
{
	(void)state;
	struct ipc_irq *q = ipc_irq_create(3);
	struct ipc_notification *a = ipc_notification_create(), *b = ipc_notification_create();
	struct handle_table *t = &server_task.table;

	assert_int_equal(handle_install(t, &q->obj, IPC_RIGHTS_ALL, 0), 1);
	assert_int_equal(handle_install(t, &a->obj, IPC_RIGHTS_ALL, 0), 2);
	assert_int_equal(handle_install(t, &b->obj, IPC_RIGHTS_ALL, 0), 3);
	kobject_put(&q->obj);
	kobject_put(&a->obj);
	kobject_put(&b->obj);
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, 2, 1), 0);
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, 2, 2), 0); /* same one again: fine */
	assert_int_equal(a->signallers, 2);
	assert_int_equal(ipc_irq_bind(&server.ipc, 1, 3, 8), 0);
	assert_int_equal(a->signallers, 1);
	assert_int_equal(b->signallers, 2);
	ipc_irq_fire(q);
	assert_int_equal(a->word, 0);
	assert_int_equal(b->word, 8);
	assert_int_equal(a->obj.refs, 1);
	assert_int_equal(b->obj.refs, 2);
}

static void device_pages_map_with_the_map_right_at_aligned_user_addresses(void **state)
{
	(void)state;
	struct ipc_devpage *d = ipc_devpage_create(0x10000000, 0x1000);
	struct ipc_regs r;

	assert_int_equal(handle_install(&server_task.table, &d->obj, IPC_RIGHT_MAP, 0), 1);
	assert_int_equal(handle_install(&client_task.table, &d->obj, IPC_RIGHT_SEND, 0), 2);
	kobject_put(&d->obj);
	r = (struct ipc_regs){{2, FAKE_USER_BASE}};
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_DEVPAGE_MAP, &r), -ENORIGHT);
	r = (struct ipc_regs){{S_EP, FAKE_USER_BASE}};
	assert_int_equal(ipc_syscall(&server.ipc, SYS_DEVPAGE_MAP, &r), -EWRONGTYPE);
	r = (struct ipc_regs){{1, FAKE_USER_BASE + 8}};
	assert_int_equal(ipc_syscall(&server.ipc, SYS_DEVPAGE_MAP, &r), -EINVAL);
	r = (struct ipc_regs){{1, FAKE_USER_BASE + FAKE_USER_SIZE}};
	assert_int_equal(ipc_syscall(&server.ipc, SYS_DEVPAGE_MAP, &r), -EFAULT);
	assert_int_equal(fake_mapping.count, 0);
	r = (struct ipc_regs){{1, FAKE_USER_BASE + 0x1000}};
	assert_int_equal(ipc_syscall(&server.ipc, SYS_DEVPAGE_MAP, &r), 0);
	assert_int_equal(r.a[0], 0);
	assert_int_equal(fake_mapping.count, 1);
	assert_int_equal(fake_mapping.va, FAKE_USER_BASE + 0x1000);
	assert_int_equal(fake_mapping.phys, 0x10000000);
	assert_int_equal(fake_mapping.size, 0x1000);
}

/* ---- the syscall layer -------------------------------------------------------------------------
 */

static struct ipc_regs regs(uint64_t a0, uint64_t a1, uint64_t a6)
{
	struct ipc_regs r = {{a0, a1, 0, 0, 0, 0, a6, 0}};

	return r;
}

static void syscalls_move_words_buffers_and_badges(void **state)
{
	(void)state;
	uint64_t ubuf = FAKE_USER_BASE + 100;
	struct ipc_regs rs = regs(S_EP, ipc_info(0, 0, 64, IPC_TIMEOUT_FOREVER), ubuf);

	assert_int_equal(ipc_syscall(&server.ipc, SYS_IPC_RECV, &rs), IPC_BLOCKED);
	assert_int_equal(server.timeout_ms, IPC_TIMEOUT_FOREVER);

	memcpy(client_task.mem + 100, "hello, server", 14);
	struct ipc_regs rc = regs(C_EP, ipc_info(2, 14, 8, 1000), ubuf);

	rc.a[2] = 0xaaaa;
	rc.a[3] = 0xbbbb;
	rc.a[4] = 0xcccc; /* beyond the two words sent: must not arrive */
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_CALL, &rc), IPC_BLOCKED);
	assert_int_equal(c1.timeout_ms, 1000);
	assert_false(server.blocked);
	assert_int_equal(ipc_syscall_resume(&server.ipc, SYS_IPC_RECV, &rs), 0);
	assert_int_equal(rs.a[0], 0);
	assert_int_equal(IPC_INFO_FIELD(rs.a[1], WORDS), 2);
	assert_int_equal(IPC_INFO_FIELD(rs.a[1], LEN), 14);
	assert_int_equal(rs.a[2], 0xaaaa);
	assert_int_equal(rs.a[3], 0xbbbb);
	assert_int_equal(rs.a[4], 0);
	assert_int_equal(rs.a[6], 0xc1);
	assert_memory_equal(server_task.mem + 100, "hello, server", 14);

	/* The reply is longer than the caller's capacity of 8: cut, and flagged. */
	memcpy(server_task.mem + 100, "hello, client", 14);
	rs = regs(S_EP, ipc_info(1, 14, 0, IPC_TIMEOUT_NO_WAIT), ubuf);
	rs.a[2] = 77;
	assert_int_equal(ipc_syscall(&server.ipc, SYS_IPC_REPLY, &rs), 0);
	assert_int_equal(ipc_syscall_resume(&c1.ipc, SYS_IPC_CALL, &rc), 0);
	assert_int_equal(rc.a[2], 77);
	assert_int_equal(rc.a[6], 0);
	assert_int_equal(IPC_INFO_FIELD(rc.a[1], LEN), 8);
	assert_true(rc.a[1] & IPC_INFO_TRUNCATED);
	assert_memory_equal(client_task.mem + 100, "hello, c", 8);
	assert_memory_equal(client_task.mem + 108, "erver", 5); /* untouched past the capacity */
}

static void syscalls_refuse_bad_arguments_with_named_errors(void **state)
{
	(void)state;
	struct ipc_regs r;

	r = regs(C_EP, ipc_info(0, IPC_BUF_MAX + 1, 0, 0), FAKE_USER_BASE);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -EINVAL);
	assert_int_equal((long)r.a[0], -EINVAL);
	r = regs(C_EP, ipc_info(0, 0, IPC_BUF_MAX + 1, 0), FAKE_USER_BASE);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_CALL, &r), -EINVAL);
	r = regs(C_EP, ipc_info(CONFIG_IPC_MSG_WORDS + 1, 0, 0, 0), 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -EINVAL);
	r = regs(C_EP, ipc_info(CONFIG_IPC_MSG_WORDS, 0, 0, 0), 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -ETIMEDOUT);

	/* Buffers outside user memory, wrapping around, or over an unmapped page. */
	r = regs(C_EP, ipc_info(0, 16, 0, 0), 0x1000);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -EFAULT);
	r = regs(C_EP, ipc_info(0, 16, 0, 0), ~0ull - 8);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -EFAULT);
	r = regs(C_EP, ipc_info(0, 16, 0, 0), FAKE_USER_HOLE - 8);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -EFAULT);
	r = regs(S_EP, ipc_info(0, 0, 16, 0), FAKE_USER_BASE + FAKE_USER_SIZE - 8);
	assert_int_equal(ipc_syscall(&server.ipc, SYS_IPC_RECV, &r), -EFAULT);

	/* Bad handles and rights through the syscalls. */
	r = regs(99, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -EBADHANDLE);
	r = regs(5, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -ECLOSED);
	r = regs(C_EP, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_RECV, &r), -ENORIGHT);
	r = regs(C_EP2, ipc_info_grant(0, C_EP, IPC_RIGHTS_ALL), 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -ENORIGHT);
	r = regs(C_EP, ipc_info_grant(0, 6, IPC_RIGHTS_ALL), 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_SEND, &r), -ECLOSED);
	r = regs(C_EP, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_REPLY, &r), -ENOREPLY);

	/* Handle syscalls. */
	r = regs(C_EP, 0x10, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_HANDLE_MINT, &r), -EINVAL);
	r = regs(C_EP, IPC_RIGHT_SEND, 0);
	r.a[2] = 0x99;
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_HANDLE_MINT, &r), -EPERM);
	r = regs(C_EP, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_NOTIFY_SIGNAL, &r), -EWRONGTYPE);
	r = regs(C_EP, ipc_info(0, IPC_BUF_MAX + 1, 0, 0), 0);
	r.a[0] = 99;
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_NOTIFY_WAIT, &r), -EINVAL);
	r = regs(0, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_BASE + SYS_IPC_COUNT, &r), -ENOSYS);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IPC_BASE - 1, &r), -ENOSYS);
	r = regs(C_EP, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IRQ_ACK, &r), -EWRONGTYPE);
	r = regs(C_EP, 1, 1);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_IRQ_BIND, &r), -EWRONGTYPE);
	r = regs(C_EP, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_HANDLE_CLOSE, &r), 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_HANDLE_CLOSE, &r), -ECLOSED);
	assert_int_equal(fake_wake_count, 0);
	check_endpoint();
}

static void syscalls_create_objects_and_wait_on_notifications(void **state)
{
	(void)state;
	struct fake_task fresh;
	struct fake_thread t;
	struct ipc_regs r = regs(0, 0, 0);

	/* A fresh task's first handles are 0, 1, 2..., returned in a0 like any result. */
	fake_task_init(&fresh);
	fake_thread_init(&t, &fresh);
	for (long h = 0; h < 3; h++) {
		r = regs(~0ull, 0, 0);
		assert_int_equal(
		    ipc_syscall(&t.ipc, h % 2 ? SYS_NOTIFY_CREATE : SYS_ENDPOINT_CREATE, &r), h);
		assert_int_equal(r.a[0], h);
		assert_false(t.blocked);
	}
	handle_table_close_all(&fresh.table);
	r = regs(0, 0, 0);

	assert_int_equal(ipc_syscall(&c1.ipc, SYS_NOTIFY_CREATE, &r), 2);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_ENDPOINT_CREATE, &r), 3);
	assert_int_equal(client_task.table.slots[3].rights, IPC_RIGHTS_ALL);
	assert_int_equal(fake_live_allocs, 3);
	r = regs(2, ipc_info(0, 0, 0, 250), 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_NOTIFY_WAIT, &r), IPC_BLOCKED);
	assert_int_equal(c1.timeout_ms, 250);
	r = regs(2, 0x5, 0);
	assert_int_equal(ipc_syscall(&c2.ipc, SYS_NOTIFY_SIGNAL, &r), 0);
	r = regs(2, 0, 0);
	assert_int_equal(ipc_syscall_resume(&c1.ipc, SYS_NOTIFY_WAIT, &r), 0);
	assert_int_equal(r.a[1], 0x5);
	/* Mint a badged send-only copy, then fill the table. */
	r = regs(3, IPC_RIGHT_SEND, 0);
	r.a[2] = 0xbad9e;
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_HANDLE_MINT, &r), 4);
	assert_int_equal(client_task.table.slots[4].badge, 0xbad9e);
	for (int h = 5; h < FAKE_HANDLES; h++) {
		r = regs(0, 0, 0);
		assert_int_equal(ipc_syscall(&c1.ipc, SYS_ENDPOINT_CREATE, &r), h);
	}
	r = regs(0, 0, 0);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_ENDPOINT_CREATE, &r), -ENOSPC);
	assert_int_equal(ipc_syscall(&c1.ipc, SYS_NOTIFY_CREATE, &r), -ENOSPC);
	assert_int_equal(fake_live_allocs, 1 + 2 + (FAKE_HANDLES - 5)); /* nothing leaked */
}

static void info_words_round_trip(void **state)
{
	(void)state;
	struct ipc_info info;
	uint64_t w = ipc_info_grant(ipc_info(3, 4096, 17, 12345), 200, IPC_RIGHT_SEND);

	assert_int_equal(ipc_info_decode(w, &info), CONFIG_IPC_MSG_WORDS >= 3 ? 0 : -EINVAL);
	assert_int_equal(info.nwords, 3);
	assert_int_equal(info.len, 4096);
	assert_int_equal(info.cap, 17);
	assert_true(info.grant);
	assert_int_equal(info.grant_handle, 200);
	assert_int_equal(info.grant_rights, IPC_RIGHT_SEND);
	assert_int_equal(info.timeout_ms, 12345);
	assert_int_equal(ipc_info_decode(~0ull, &info), -EINVAL);
	assert_int_equal(info.timeout_ms, IPC_TIMEOUT_FOREVER);

	struct ipc_msg m = {
	    .nwords = 1, .len = 5, .handle = 3, .rights = 2, .flags = IPC_INFO_TRUNCATED};
	uint64_t got = ipc_info_received(&m);

	assert_int_equal(IPC_INFO_FIELD(got, WORDS), 1);
	assert_int_equal(IPC_INFO_FIELD(got, LEN), 5);
	assert_int_equal(IPC_INFO_FIELD(got, HANDLE), 3);
	assert_int_equal(IPC_INFO_FIELD(got, RIGHTS), 2);
	assert_true(got & IPC_INFO_GRANT);
	assert_true(got & IPC_INFO_TRUNCATED);
	assert_false(got & IPC_INFO_GRANT_LOST);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(send_to_a_waiting_receiver_delivers_words_and_badge),
	    T(senders_are_received_in_arrival_order),
	    T(receivers_are_served_in_arrival_order),
	    T(call_waits_for_the_reply_which_carries_badge_zero),
	    T(a_reply_capability_is_used_once),
	    T(reply_recv_answers_then_takes_the_next_caller),
	    T(receiving_again_without_replying_fails_the_caller),
	    T(every_operation_checks_its_right_and_type),
	    T(a_granted_handle_arrives_with_reduced_rights),
	    T(a_grant_to_a_full_table_is_reported_lost),
	    T(a_reply_grants_only_when_the_call_could),
	    T(no_wait_fails_at_once_and_a_cancelled_sender_is_never_received),
	    T(a_call_timing_out_in_the_server_makes_the_reply_fail_harmlessly),
	    T(a_server_dying_with_the_reply_capability_fails_its_caller),
	    T(the_last_receiving_handle_going_fails_every_sender),
	    T(a_supervisor_keeping_a_receive_handle_keeps_callers_queued),
	    T(a_client_dying_in_each_state_leaves_the_server_unharmed),
	    T(destroying_an_endpoint_wakes_its_waiters),
	    T(notifications_or_bits_and_wait_takes_them_all),
	    T(an_interrupt_signals_its_notification_until_acknowledged),
	    T(rebinding_moves_the_interrupt_between_notifications),
	    T(device_pages_map_with_the_map_right_at_aligned_user_addresses),
	    T(syscalls_move_words_buffers_and_badges),
	    T(syscalls_refuse_bad_arguments_with_named_errors),
	    T(syscalls_create_objects_and_wait_on_notifications),
	    T(info_words_round_trip),
	};
	return cmocka_run_group_tests_name("ipc", tests, NULL, NULL);
}
