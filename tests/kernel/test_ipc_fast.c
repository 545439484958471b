// SPDX-License-Identifier: MIT
/*
 * The IPC fast path between kernel threads (suite "ipc_fast"): round trips
 * that take it (counted), mixed with the general path on the same endpoint,
 * hand-offs refused for a peer of lower priority, and with CONFIG_KTEST_BENCH
 * the instruction counts of one-way calls and replies through both paths and
 * of a notification signal to its waiter's wake-up (goal lines for
 * scripts/boot_cost.py; meaningful under QEMU -icount).
 */
/* The server answers in two words: configurations with one message word have only the host tests.
 */
#if defined(CONFIG_IPC) && CONFIG_IPC_MSG_WORDS >= 2

#include <bora/errno.h>
#include <bora/ipc_fastpath.h>
#include <bora/ipc_kernel.h>
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/sched.h>
#include <bora/task.h>
#include <bora/thread.h>

#define ROUNDS 200

static struct handle slots[8];
static struct handle_table table;
enum { H_EP = 0, H_CLIENT = 1, H_NOTIFY = 2 };

static int setup(void)
{
	struct ipc_endpoint *ep = ipc_endpoint_create();
	struct ipc_notification *n = ipc_notification_create();
	unsigned long flags = ipc_lock();
	int err = !ep || !n ? -ENOMEM : 0;

	handle_table_init(&table, slots, ARRAY_SIZE(slots));
	if (!err && (handle_install(&table, &ep->obj, IPC_RIGHTS_ALL, 0) != H_EP ||
	             handle_mint(&table, H_EP, IPC_RIGHT_SEND, 0xc0ffee) != H_CLIENT ||
	             handle_install(&table, &n->obj, IPC_RIGHTS_ALL, 0) != H_NOTIFY))
		err = -ECORRUPT;
	if (ep)
		kobject_put(&ep->obj);
	if (n)
		kobject_put(&n->obj);
	ipc_unlock(flags);
	return err;
}

static void teardown(void)
{
	unsigned long flags = ipc_lock();

	handle_table_close_all(&table);
	ipc_unlock(flags);
	ipc_thread_release(thread_current());
}

static struct ipc_thread *me(void)
{
	return ipc_thread_attach(thread_current(), &table, true);
}

static inline unsigned long instret(void)
{
	unsigned long v;

	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

/*
 * The server: receives, answers word0 * 2 and the badge, until word0 == 0.
 * `fast` picks the fast path's reply_recv; the timestamps feed the bench.
 */
struct server {
	bool fast;
	bool alternate;   /* fast reply_recv for even requests only, whatever `fast` says */
	uint64_t tmo;     /* the receives' timeout (0: forever) */
	long still_armed; /* requests that arrived with the receive's timeout still armed */
	long handled, result;
	volatile unsigned long arrived,
	    replying; /* instret when a request arrived / before replying */
};

static void server_main(void *arg)
{
	struct server *s = arg;
	struct ipc_thread *self = me();
	uint64_t tmo = s->tmo ? s->tmo : IPC_TIMEOUT_FOREVER;
	uint64_t a[8] = {H_EP, ipc_info(0, 0, 0, tmo)};
	long ret = ipc_syscall(self, SYS_IPC_RECV, (struct ipc_regs *)a);

	while (ret == 0) {
		s->arrived = instret();
		uint64_t w0 = a[2], badge = a[6];

		if (thread_current()->wakeup_armed)
			s->still_armed++;
		if (w0 == 0)
			break;
		s->handled++;
		bool fast = s->alternate ? w0 % 2 == 0 : s->fast;

		__asm__ volatile("" : "+r"(fast)); /* decided before the bench's timestamp */
		a[0] = H_EP;
		a[1] = ipc_info(2, 0, 0, tmo);
		a[2] = w0 * 2;
		a[3] = badge;
		s->replying = instret();
		ret = fast ? ipc_fastpath_reply_recv(self, a)
		           : ipc_syscall(self, SYS_IPC_REPLY_RECV, (struct ipc_regs *)a);
	}
	if (ret == 0) {
		a[1] = ipc_info(0, 0, 0, 0);
		ipc_syscall(me(), SYS_IPC_REPLY, (struct ipc_regs *)a);
	}
	s->result = ret;
	ipc_thread_release(thread_current());
}

static long client_call(struct ipc_thread *self, bool fast, uint64_t w0, uint64_t *a)
{
	a[0] = H_CLIENT;
	a[1] = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER);
	a[2] = w0;
	return fast ? ipc_fastpath_call(self, a)
	            : ipc_syscall(self, SYS_IPC_CALL, (struct ipc_regs *)a);
}

static int start_server(struct server *s, struct thread **t, unsigned int prio)
{
	int err = ktest_thread_create(t, server_main, s, prio, 0, "ipcfast");

	thread_yield(); /* let it block in its receive, whatever the priorities */
	return err;
}

/* Word 0 asks the server to leave: 0 once it has, having handled `handled` calls, all cleanly. */
static long stop_server(struct ipc_thread *self, struct thread *t, const struct server *s,
                        long handled)
{
	uint64_t a[8];
	long err = client_call(self, true, 0, a);

	if (err)
		return err;
	err = thread_join(t, FOREVER);
	if (err)
		return err;
	return s->handled == handled ? s->result : -EINVAL;
}

KTEST(ipc_fast, round_trips_take_the_fast_path_and_mix_with_the_general_one)
{
	struct server s = {.fast = true};
	struct ipc_fastpath_stats before = ipc_fastpath_stats;
	struct thread *t;
	uint64_t a[8];

	KTEST_ASSERT_EQ(setup(), 0);
	struct ipc_thread *self = me();

	KTEST_ASSERT_EQ(start_server(&s, &t, THREAD_PRIO_DEFAULT), 0);
	KTEST_ASSERT(t->state == THREAD_BLOCKED);
	for (uint64_t i = 1; i <= ROUNDS; i++) {
		bool fast = i % 4 != 0; /* every fourth call through the general path */

		KTEST_ASSERT_EQ(client_call(self, fast, i, a), 0);
		KTEST_ASSERT_EQ(a[2], 2 * i);
		KTEST_ASSERT_EQ(a[3], 0xc0ffee);
		KTEST_ASSERT_EQ(a[6], 0);
		KTEST_ASSERT_EQ(IPC_INFO_FIELD(a[1], WORDS), 2);
	}
	KTEST_ASSERT_EQ(stop_server(self, t, &s, ROUNDS), 0);
	/* The fast calls were all taken by the fast path; so were the replies to fast calls. */
	KTEST_ASSERT_EQ(ipc_fastpath_stats.calls - before.calls, ROUNDS - ROUNDS / 4 + 1);
	KTEST_ASSERT(ipc_fastpath_stats.reply_recvs - before.reply_recvs >= ROUNDS - ROUNDS / 4);
	teardown();
}

KTEST(ipc_fast, a_less_urgent_peer_is_not_handed_the_cpu)
{
	struct server s = {.fast = true};
	struct ipc_fastpath_stats before = ipc_fastpath_stats;
	struct thread *t;
	uint64_t a[8];

	KTEST_ASSERT_EQ(setup(), 0);
	struct ipc_thread *self = me();

	/* The server runs below main: a direct switch to it would skip main's priority. */
	KTEST_ASSERT_EQ(start_server(&s, &t, THREAD_PRIO_DEFAULT + 2), 0);
	for (uint64_t i = 1; i <= 20; i++) {
		KTEST_ASSERT_EQ(client_call(self, true, i, a), 0);
		KTEST_ASSERT_EQ(a[2], 2 * i);
	}
	KTEST_ASSERT_EQ(ipc_fastpath_stats.calls, before.calls);
	KTEST_ASSERT_EQ(client_call(self, true, 0, a), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(s.handled, 20);
	teardown();
}

/*
 * A receiver that waits with a finite timeout (the general path's receive)
 * is still handed the CPU by a fast call, and the hand-off cancels that
 * timeout (kernel/sched_handoff.c, sched_handoff_armed): no request arrives
 * with it armed, and the long timeout never ends a wait.
 */
KTEST(ipc_fast, a_peer_waiting_with_a_timeout_is_handed_the_cpu_and_the_timeout_cancelled)
{
	struct server s = {.fast = false, .tmo = 60000}; /* ms: never reached */
	struct ipc_fastpath_stats before = ipc_fastpath_stats;
	struct thread *t;
	uint64_t a[8];

	KTEST_ASSERT_EQ(setup(), 0);
	struct ipc_thread *self = me();

	KTEST_ASSERT_EQ(start_server(&s, &t, THREAD_PRIO_DEFAULT), 0);
	for (uint64_t i = 1; i <= 20; i++) {
		KTEST_ASSERT(t->state == THREAD_BLOCKED && t->wakeup_armed);
		KTEST_ASSERT_EQ(client_call(self, true, i, a), 0);
		KTEST_ASSERT_EQ(a[2], 2 * i);
		KTEST_ASSERT_EQ(a[3], 0xc0ffee);
	}
	KTEST_ASSERT_EQ(ipc_fastpath_stats.calls - before.calls, 20);
	KTEST_ASSERT_EQ(stop_server(self, t, &s, 20), 0);
	KTEST_ASSERT_EQ(s.still_armed, 0);
	teardown();
}

/*
 * A kernel thread waiting in the fast path gets a fast peer's message
 * straight into its register array (kernel/ipc_fastpath.c, deliver). When
 * the general path ends such a wait instead, that array must not be written
 * later: odd calls go through the fast path and are answered by the general
 * path, even calls the other way round, each kind with its own array.
 */
KTEST(ipc_fast, a_fast_wait_the_general_path_ends_leaves_no_register_array_behind)
{
	struct server s = {.alternate = true};
	struct thread *t;
	uint64_t fast_a[8], general_a[8];

	KTEST_ASSERT_EQ(setup(), 0);
	struct ipc_thread *self = me();

	KTEST_ASSERT_EQ(start_server(&s, &t, THREAD_PRIO_DEFAULT), 0);
	for (uint64_t i = 1; i <= 40; i++) {
		uint64_t *a = i % 2 ? fast_a : general_a;

		KTEST_ASSERT_EQ(client_call(self, i % 2, i, a), 0);
		KTEST_ASSERT_EQ(a[2], 2 * i);
		KTEST_ASSERT_EQ(a[3], 0xc0ffee);
		KTEST_ASSERT_EQ(IPC_INFO_FIELD(a[1], WORDS), 2);
	}
	KTEST_ASSERT_EQ(stop_server(self, t, &s, 40), 0);
	teardown();
}

/*
 * A thread blocked by a hand-off is not linked into its private wait queue
 * (kernel/sched_switch.h, block_on_private); a priority change while it waits
 * links it, and every way its wait ends unlinks it again: the queue is empty
 * whenever the server sits in a hand-off's wait, and calls keep working.
 */
KTEST(ipc_fast, a_priority_change_during_a_hand_off_wait_keeps_the_queue_sound)
{
	struct server s = {.fast = true};
	struct thread *t;
	struct ipc_kthread *sk;
	uint64_t a[8];

	KTEST_ASSERT_EQ(setup(), 0);
	struct ipc_thread *self = me();

	KTEST_ASSERT_EQ(start_server(&s, &t, THREAD_PRIO_DEFAULT), 0);
	sk = ipc_kthread_of(t);
	KTEST_ASSERT(sk != NULL);
	for (uint64_t i = 1; i <= 6; i++) {
		/* Equal priorities: the reply came back by a hand-off, the server waits unlinked.
		 */
		KTEST_ASSERT_EQ(client_call(self, true, i, a), 0);
		KTEST_ASSERT_EQ(a[2], 2 * i);
		KTEST_ASSERT(t->state == THREAD_BLOCKED && t->wait_on == &sk->wq);
		KTEST_ASSERT(wait_queue_empty(&sk->wq));
		/* More urgent while it waits: now linked; the next call hands off to it again. */
		KTEST_ASSERT_EQ(thread_set_priority(t, THREAD_PRIO_DEFAULT - 1), 0);
		KTEST_ASSERT(wait_queue_first(&sk->wq) == t);
		KTEST_ASSERT_EQ(client_call(self, true, 100 + i, a), 0);
		KTEST_ASSERT_EQ(a[2], 2 * (100 + i));
		KTEST_ASSERT_EQ(thread_set_priority(t, THREAD_PRIO_DEFAULT), 0);
		KTEST_ASSERT(t->state == THREAD_BLOCKED && t->wait_on == &sk->wq);
	}
	KTEST_ASSERT_EQ(client_call(self, true, 0, a), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(s.handled, 12);
	KTEST_ASSERT_EQ(s.result, 0);
	teardown();
}

KTEST(ipc_fast, bad_handles_and_rights_fall_to_the_general_path_errors)
{
	uint64_t a[8] = {99, ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};

	KTEST_ASSERT_EQ(setup(), 0);
	KTEST_ASSERT_EQ(ipc_fastpath_call(me(), a), -EBADHANDLE);
	KTEST_ASSERT_EQ((long)a[0], -EBADHANDLE);
	a[0] = H_NOTIFY;
	a[1] = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER);
	KTEST_ASSERT_EQ(ipc_fastpath_call(me(), a), -EWRONGTYPE);
	a[0] = H_CLIENT;
	a[1] = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER);
	KTEST_ASSERT_EQ(ipc_fastpath_reply_recv(me(), a), -ENORIGHT);
	a[0] = H_EP;
	a[1] = ipc_info(0, 0, 0, IPC_TIMEOUT_NO_WAIT);
	KTEST_ASSERT_EQ(ipc_fastpath_call(me(), a), -ETIMEDOUT); /* nobody receives */
	teardown();
}

#ifdef CONFIG_USERSPACE
/*
 * user/programs/ipc_regs (50 calls per part): s1-s11 and the words survive
 * calls and replies between tasks whichever way a user fast-path wait ends,
 * and each way was taken: peers entered in U-mode straight from their frames
 * (its first part, both directions), waits ended by the general path (the
 * other two: a general reply to a fast call, a general call to a fast
 * reply_recv).
 */
KTEST(ipc_fast, user_waits_end_every_way_with_every_register)
{
	struct ipc_fastpath_stats before = ipc_fastpath_stats;
	const char *argv[] = {"ipc_regs"};
	struct task *t;

	KTEST_ASSERT_EQ(task_create(&t, "ipc_regs", argv, 1, NULL), 0);
	KTEST_ASSERT_EQ(task_run(t), 0);
	task_reap(t);
	KTEST_ASSERT(ipc_fastpath_stats.user_entries - before.user_entries >= 2 * 50 - 1);
	KTEST_ASSERT(ipc_fastpath_stats.user_resumes - before.user_resumes >= 2 * 50 - 1);
}

/*
 * The same with ASIDs off: no space keeps an ASID, so every hand-off between
 * the tasks leaves by its out-of-line end (sched_handoff_user_finish), which
 * enters the peer through its frame with the results written there instead
 * of in registers (block_handoff_user's frame_set_ret).
 */
KTEST(ipc_fast, user_hand_offs_through_the_asid_allocator_keep_every_register)
{
	struct ipc_fastpath_stats before = ipc_fastpath_stats;
	const char *argv[] = {"ipc_regs"};
	struct task *t;
	int err;

	uspace_asid_reconfigure(1);
	err = task_create(&t, "ipc_regs", argv, 1, NULL);
	if (!err) {
		err = task_run(t);
		task_reap(t);
	}
	uspace_asid_reconfigure(CONFIG_ASID_LIMIT);
	KTEST_ASSERT_EQ(err, 0);
	KTEST_ASSERT(ipc_fastpath_stats.user_entries - before.user_entries >= 2 * 50 - 1);
}
#endif

#ifdef CONFIG_KTEST_BENCH
#define LIMIT_ONE_WAY 250 /* issue 12; seL4's fast path: 694 cycles cross-AS on a SiFive U54 */

struct figure {
	unsigned long min, sum, n;
};

static void add(struct figure *f, unsigned long v)
{
	if (!f->n || v < f->min)
		f->min = v;
	f->sum += v;
	f->n++;
}

static void goal(const char *what, const struct figure *f, unsigned long limit)
{
	printk("bench: goal %s figure=%lu limit=%lu unit=instret %s mean=%lu\n", what, f->min,
	       limit, f->min <= limit ? "met" : "missed", f->n ? f->sum / f->n : 0);
}

static void figure(const char *what, const struct figure *f)
{
	printk("bench: figure %s value=%lu unit=instret mean=%lu\n", what, f->min,
	       f->n ? f->sum / f->n : 0);
}

/* Client and server at the same priority, so every hand-off is allowed both ways. */
static int measure(bool fast, struct figure *call, struct figure *reply)
{
	struct server s = {.fast = fast};
	struct thread *t;
	uint64_t a[8];
	struct ipc_thread *self = me();
	int err = start_server(&s, &t, THREAD_PRIO_DEFAULT);

	for (uint64_t i = 1; i <= ROUNDS && !err; i++) {
		unsigned long sent = instret();

		err = (int)client_call(self, fast, i, a);
		unsigned long back = instret();

		if (i > 8) { /* warm */
			add(call, s.arrived - sent);
			add(reply, back - s.replying);
		}
	}
	client_call(self, true, 0, a);
	thread_join(t, FOREVER);
	return err;
}

struct waiter {
	volatile unsigned long woke;
	long result;
};

static void notify_waiter(void *arg)
{
	struct waiter *w = arg;
	uint64_t a[8] = {H_NOTIFY, ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};

	w->result = ipc_syscall(me(), SYS_NOTIFY_WAIT, (struct ipc_regs *)a);
	w->woke = instret();
	ipc_thread_release(thread_current());
}

KTEST(bench, ipc)
{
	struct figure fc = {0}, fr = {0}, sc = {0}, sr = {0}, nw = {0};

	KTEST_ASSERT_EQ(setup(), 0);
	KTEST_ASSERT_EQ(measure(true, &fc, &fr), 0);
	KTEST_ASSERT_EQ(measure(false, &sc, &sr), 0);
	for (int i = 0; i < 32; i++) {
		struct waiter w = {0, 1};
		struct thread *t;
		uint64_t a[8] = {H_NOTIFY, 1};

		/* Above main: the signal's wake-up preempts main at once. */
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t, notify_waiter, &w, THREAD_PRIO_DEFAULT - 1, 0, "ipcw"),
		    0);
		unsigned long sent = instret();

		KTEST_ASSERT_EQ(ipc_syscall(me(), SYS_NOTIFY_SIGNAL, (struct ipc_regs *)a), 0);
		KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
		KTEST_ASSERT_EQ(w.result, 0);
		add(&nw, w.woke - sent);
	}
	goal("ipc_call_fast_same_as", &fc, LIMIT_ONE_WAY);
	goal("ipc_reply_fast_same_as", &fr, LIMIT_ONE_WAY);
	figure("ipc_call_slow_same_as", &sc);
	figure("ipc_reply_slow_same_as", &sr);
	figure("ipc_notify_to_wakeup", &nw);
	teardown();
}

#if CONFIG_IPC_MSG_WORDS == 4
/* Between two tasks: user/programs/ipc_pingpong (four-word replies) prints its own goal lines. */
KTEST(bench, ipc_cross_as)
{
	const char *argv[] = {"ipc_pingpong", "bench"};
	struct task *t;

	KTEST_ASSERT_EQ(task_create(&t, "ipc_pingpong", argv, 2, NULL), 0);
	KTEST_ASSERT_EQ(task_run(t), 0);
	task_reap(t);
}
#endif
#endif

#endif
