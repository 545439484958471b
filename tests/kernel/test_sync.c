// SPDX-License-Identifier: MIT
/*
 * Synchronization objects (suite "sync"): semaphore counts and limits,
 * mutex ownership, recursion, misuse and priority inheritance (the classic
 * inversion, transitive chains), message queues, destroy with waiters,
 * interrupt-context refusals, and stress with many threads and counts
 * checked. Waiting threads run above main's priority so that, in either
 * scheduling mode, a thread_yield() from main lets them run up to the point
 * where they block.
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/msgq.h>
#include <bora/mutex.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/sem.h>
#include <bora/string.h>
#include <bora/thread.h>

#include "sched_util.h"

static struct event_log sync_log;

KTEST(sync, sem_counts_limits_and_no_wait)
{
	struct sem s;

	KTEST_ASSERT_EQ(sem_init(&s, 2, 1), -EINVAL);
	KTEST_ASSERT_EQ(sem_init(&s, 0, 0), -EINVAL);
	KTEST_ASSERT_EQ(sem_init(&s, 2, 3), 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), 0);
	KTEST_ASSERT_EQ(sem_take(&s, FOREVER), 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), -EAGAIN);
	KTEST_ASSERT_EQ(sem_count(&s), 0);
	for (int i = 0; i < 3; i++)
		KTEST_ASSERT_EQ(sem_give(&s), 0);
	KTEST_ASSERT_EQ(sem_give(&s), -EOVERFLOW);
	KTEST_ASSERT_EQ(sem_count(&s), 3);
	KTEST_ASSERT_EQ(sem_destroy(&s), 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), -EINVAL);
	KTEST_ASSERT_EQ(sem_give(&s), -EINVAL);
}

struct waiter {
	struct sem *sem;
	struct event_log *log;
	int id;
	int result;
};

static void sem_waiter(void *arg)
{
	struct waiter *w = arg;

	w->result = sem_take(w->sem, FOREVER);
	if (w->result == 0)
		log_event(w->log, w->id);
}

KTEST(sync, sem_wakes_the_highest_priority_waiter_first)
{
	static const unsigned int by[] = {2, 5, 3, 5, 4};
	struct waiter w[ARRAY_SIZE(by)];
	struct thread *t[ARRAY_SIZE(by)];
	struct sem s;

	slicing_off();
	sem_init(&s, 0, 10);
	sync_log.n = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(by); i++) {
		w[i] = (struct waiter){&s, &sync_log, (int)i, 1};
		KTEST_ASSERT_EQ(
		    thread_create(&t[i], sem_waiter, &w[i], ABOVE_MAIN(by[i]), 0, "semw"), 0);
		thread_yield();
		KTEST_ASSERT(t[i]->state == THREAD_BLOCKED);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(by); i++)
		KTEST_ASSERT_EQ(sem_give(&s), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(by); i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	/* Priority 5 above main first (FIFO among the two), then 4, 3, 2. */
	KTEST_ASSERT_EQ(sync_log.n, 5);
	KTEST_ASSERT_EQ(sync_log.ev[0], 1);
	KTEST_ASSERT_EQ(sync_log.ev[1], 3);
	KTEST_ASSERT_EQ(sync_log.ev[2], 4);
	KTEST_ASSERT_EQ(sync_log.ev[3], 2);
	KTEST_ASSERT_EQ(sync_log.ev[4], 0);
	KTEST_ASSERT_EQ(sem_count(&s), 0);
	slicing_default();
}

KTEST(sync, destroy_wakes_waiters_with_ecanceled)
{
	struct waiter w[3];
	struct thread *t[3];
	struct sem s;

	sem_init(&s, 0, 1);
	sync_log.n = 0;
	for (int i = 0; i < 3; i++) {
		w[i] = (struct waiter){&s, &sync_log, i, 1};
		KTEST_ASSERT_EQ(thread_create(&t[i], sem_waiter, &w[i], ABOVE_MAIN(2), 0, "semd"),
		                0);
		thread_yield();
	}
	KTEST_ASSERT_EQ(sem_destroy(&s), 3);
	for (int i = 0; i < 3; i++) {
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, -ECANCELED);
	}
	KTEST_ASSERT_EQ(sync_log.n, 0);
}

/* in_interrupt() as a handler would see it: blocking calls are refused, give works. */
KTEST(sync, interrupt_context_refuses_blocking)
{
	struct sem s;
	struct mutex m;
	struct thread *t;
	char buf[4];
	struct msgq q;
	int r_take, r_lock, r_create, r_join, r_get, r_give, r_sleep;

	sem_init(&s, 0, 2);
	mutex_init(&m, "irq");
	msgq_init(&q, buf, 4, 1);
	this_cpu()->irq_nesting++;
	r_take = sem_take(&s, FOREVER);
	r_lock = mutex_lock(&m, FOREVER);
	r_create = thread_create(&t, (void (*)(void *))0x1, NULL, 1, 0, "x");
	r_join = thread_join((struct thread *)0x1, FOREVER);
	r_get = msgq_get(&q, buf, TIMEOUT_MS(5));
	r_sleep = thread_sleep(TIMEOUT_MS(1));
	r_give = sem_give(&s);
	this_cpu()->irq_nesting--;
	KTEST_ASSERT_EQ(r_take, -EIRQCTX);
	KTEST_ASSERT_EQ(r_lock, -EIRQCTX);
	KTEST_ASSERT_EQ(r_create, -EIRQCTX);
	KTEST_ASSERT_EQ(r_join, -EIRQCTX);
	KTEST_ASSERT_EQ(r_get, -EIRQCTX);
	KTEST_ASSERT_EQ(r_sleep, -EIRQCTX);
	KTEST_ASSERT_EQ(r_give, 0);
	KTEST_ASSERT_EQ(sem_take(&s, NO_WAIT), 0);
}

/* ---- mutexes ------------------------------------------------------------------------------------
 */

struct mutex_user {
	struct mutex *m;
	int result;
	int unlock_result;
	struct sem *go;
};

static void try_unlock_foreign(void *arg)
{
	struct mutex_user *u = arg;

	u->unlock_result = mutex_unlock(u->m);
	u->result = mutex_lock(u->m, NO_WAIT);
}

KTEST(sync, mutex_ownership_recursion_and_misuse)
{
	struct mutex m, zeroed = {0};
	struct mutex_user u;
	struct thread *t;

	KTEST_ASSERT_EQ(mutex_lock(&zeroed, NO_WAIT), -EINVAL); /* never initialised */
	KTEST_ASSERT_EQ(mutex_unlock(&zeroed), -EINVAL);
	KTEST_ASSERT_EQ(mutex_init(&m, "own"), 0);
	KTEST_ASSERT_EQ(mutex_unlock(&m), -EPERM);
	KTEST_ASSERT_EQ(mutex_lock(&m, FOREVER), 0);
	KTEST_ASSERT_EQ(mutex_lock(&m, NO_WAIT), 0); /* recursion is counted */
	KTEST_ASSERT(mutex_owner(&m) == thread_current());
	u = (struct mutex_user){.m = &m};
	KTEST_ASSERT_EQ(thread_create(&t, try_unlock_foreign, &u, ABOVE_MAIN(1), 0, "foreign"), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(u.unlock_result, -EPERM);
	KTEST_ASSERT_EQ(u.result, -EAGAIN);
	KTEST_ASSERT_EQ(mutex_unlock(&m), 0);
	KTEST_ASSERT(mutex_owner(&m) == thread_current()); /* one level left */
	KTEST_ASSERT_EQ(mutex_unlock(&m), 0);
	KTEST_ASSERT(mutex_owner(&m) == NULL);
	KTEST_ASSERT_EQ(mutex_unlock(&m), -EPERM);
	KTEST_ASSERT_EQ(mutex_destroy(&m), 0);
	KTEST_ASSERT_EQ(mutex_lock(&m, NO_WAIT), -EINVAL);
}

static void lock_and_hold(void *arg)
{
	struct mutex_user *u = arg;

	u->result = mutex_lock(u->m, FOREVER);
	sem_take(u->go, FOREVER);
	if (u->result == 0)
		mutex_unlock(u->m);
}

KTEST(sync, mutex_destroy_by_a_non_owner_is_ebusy)
{
	struct mutex m;
	struct sem go;
	struct mutex_user u;
	struct thread *t;

	mutex_init(&m, "busy");
	sem_init(&go, 0, 1);
	u = (struct mutex_user){.m = &m, .go = &go};
	KTEST_ASSERT_EQ(thread_create(&t, lock_and_hold, &u, ABOVE_MAIN(1), 0, "holder"), 0);
	thread_yield();
	KTEST_ASSERT(mutex_owner(&m) == t);
	KTEST_ASSERT_EQ(mutex_destroy(&m), -EBUSY);
	KTEST_ASSERT_EQ(mutex_lock(&m, NO_WAIT), -EAGAIN);
	sem_give(&go);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(mutex_destroy(&m), 0);
}

static void lock_forever(void *arg)
{
	struct mutex_user *u = arg;

	u->result = mutex_lock(u->m, FOREVER);
	if (u->result == 0)
		mutex_unlock(u->m);
}

KTEST(sync, mutex_destroy_by_the_owner_cancels_waiters)
{
	struct mutex m;
	struct mutex_user u[2];
	struct thread *t[2];

	mutex_init(&m, "gone");
	KTEST_ASSERT_EQ(mutex_lock(&m, FOREVER), 0);
	for (int i = 0; i < 2; i++) {
		u[i] = (struct mutex_user){.m = &m, .result = 1};
		KTEST_ASSERT_EQ(thread_create(&t[i], lock_forever, &u[i], ABOVE_MAIN(2), 0, "mw"),
		                0);
		thread_yield();
	}
	/* Two waiters above main raised main while they waited. */
	KTEST_ASSERT_EQ(thread_current()->rq_node.prio,
	                (TEST_PRIO_INHERIT ? ABOVE_MAIN(2) : THREAD_PRIO_DEFAULT));
	KTEST_ASSERT_EQ(mutex_destroy(&m), 2);
	KTEST_ASSERT_EQ(thread_current()->rq_node.prio, THREAD_PRIO_DEFAULT);
	for (int i = 0; i < 2; i++) {
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(u[i].result, -ECANCELED);
	}
}

/* ---- the classic priority inversion
 * --------------------------------------------------------------- */

static struct mutex pi_mutex;
static struct sem pi_go_low, pi_go_medium;
static volatile bool pi_high_done;
static volatile bool pi_high_done_before_medium;

static void pi_low(void *arg)
{
	(void)arg;
	mutex_lock(&pi_mutex, FOREVER);
	sem_take(&pi_go_low, FOREVER); /* holds the mutex while blocked here */
	mutex_unlock(&pi_mutex);
}

static void pi_high(void *arg)
{
	(void)arg;
	mutex_lock(&pi_mutex, FOREVER);
	pi_high_done = true;
	mutex_unlock(&pi_mutex);
}

static void pi_medium(void *arg)
{
	(void)arg;
	sem_take(&pi_go_medium, FOREVER);
	/* Medium "spins" here: whatever it finds is what ran before it. */
	pi_high_done_before_medium = pi_high_done;
	for (volatile int i = 0; i < 10000; i++)
		;
}

/*
 * Low holds the mutex, high waits for it, medium becomes ready together with
 * low. With inheritance low runs at high's priority, releases, and high
 * completes before medium runs; without, medium runs first and high waits
 * behind it.
 */
KTEST(sync, priority_inversion_is_bounded_by_inheritance)
{
	unsigned int low = ABOVE_MAIN(2), medium = ABOVE_MAIN(4), high = ABOVE_MAIN(6);
	struct thread *self = thread_current(), *tl, *tm, *th;

	mutex_init(&pi_mutex, "pi");
	sem_init(&pi_go_low, 0, 1);
	sem_init(&pi_go_medium, 0, 1);
	pi_high_done = pi_high_done_before_medium = false;
	KTEST_ASSERT_EQ(thread_create(&tl, pi_low, NULL, low, 0, "pi-low"), 0);
	thread_yield();
	KTEST_ASSERT(mutex_owner(&pi_mutex) == tl);
	KTEST_ASSERT_EQ(thread_create(&th, pi_high, NULL, high, 0, "pi-high"), 0);
	thread_yield();
	KTEST_ASSERT(th->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(tl->rq_node.prio, (TEST_PRIO_INHERIT ? high : low));
	KTEST_ASSERT_EQ(thread_create(&tm, pi_medium, NULL, medium, 0, "pi-medium"), 0);
	thread_yield();
	KTEST_ASSERT(tm->state == THREAD_BLOCKED);
	/* Make low and medium ready at once: main above both while it gives. */
	KTEST_ASSERT_EQ(thread_set_priority(self, 0), 0);
	sem_give(&pi_go_medium);
	sem_give(&pi_go_low);
	KTEST_ASSERT_EQ(thread_set_priority(self, THREAD_PRIO_DEFAULT), 0);
	thread_yield();
	KTEST_ASSERT_EQ(thread_join(tm, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(th, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(tl, FOREVER), 0);
	KTEST_ASSERT(pi_high_done);
	KTEST_ASSERT_EQ(pi_high_done_before_medium, TEST_PRIO_INHERIT);
	KTEST_ASSERT_EQ(mutex_destroy(&pi_mutex), 0);
}

/* ---- transitive inheritance and deadlock detection
 * ------------------------------------------------ */

static struct mutex chain_a, chain_b;
static struct sem chain_go;

static void chain_t1(void *arg) /* holds a */
{
	(void)arg;
	mutex_lock(&chain_a, FOREVER);
	sem_take(&chain_go, FOREVER);
	mutex_unlock(&chain_a);
}

static void chain_t2(void *arg) /* holds b, waits for a */
{
	(void)arg;
	mutex_lock(&chain_b, FOREVER);
	mutex_lock(&chain_a, FOREVER);
	mutex_unlock(&chain_a);
	mutex_unlock(&chain_b);
}

static void chain_t3(void *arg) /* waits for b */
{
	(void)arg;
	mutex_lock(&chain_b, FOREVER);
	mutex_unlock(&chain_b);
}

KTEST(sync, inheritance_is_transitive_and_undone)
{
	struct thread *t1, *t2, *t3;
	unsigned int p1 = ABOVE_MAIN(1), p2 = ABOVE_MAIN(2), p3 = ABOVE_MAIN(5);

	mutex_init(&chain_a, "a");
	mutex_init(&chain_b, "b");
	sem_init(&chain_go, 0, 1);
	KTEST_ASSERT_EQ(thread_create(&t1, chain_t1, NULL, p1, 0, "chain1"), 0);
	thread_yield();
	KTEST_ASSERT_EQ(thread_create(&t2, chain_t2, NULL, p2, 0, "chain2"), 0);
	thread_yield();
	KTEST_ASSERT_EQ(t1->rq_node.prio, (TEST_PRIO_INHERIT ? p2 : p1));
	KTEST_ASSERT_EQ(thread_create(&t3, chain_t3, NULL, p3, 0, "chain3"), 0);
	thread_yield();
	KTEST_ASSERT(t3->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(t2->rq_node.prio, (TEST_PRIO_INHERIT ? p3 : p2));
	KTEST_ASSERT_EQ(t1->rq_node.prio, (TEST_PRIO_INHERIT ? p3 : p1));
	/* t2 is blocked waiting for a, which t1 holds: b's waiter count does not change that. */
	KTEST_ASSERT(t2->state == THREAD_BLOCKED && t2->blocked_mutex == &chain_a);
	sem_give(&chain_go);
	KTEST_ASSERT_EQ(thread_join(t3, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(t2, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(t1, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_current()->rq_node.prio, THREAD_PRIO_DEFAULT);
}

static void deadlock_partner(void *arg)
{
	struct mutex_user *u = arg;

	mutex_lock(&chain_a, FOREVER);
	u->result = mutex_lock(&chain_b, FOREVER); /* main holds b */
	if (u->result == 0)
		mutex_unlock(&chain_b);
	mutex_unlock(&chain_a);
}

KTEST(sync, mutex_cycle_is_edeadlk)
{
	struct mutex_user u = {.result = 1};
	struct thread *t;

	mutex_init(&chain_a, "a");
	mutex_init(&chain_b, "b");
	KTEST_ASSERT_EQ(mutex_lock(&chain_b, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_create(&t, deadlock_partner, &u, ABOVE_MAIN(1), 0, "cycle"), 0);
	thread_yield();
	KTEST_ASSERT(t->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(mutex_lock(&chain_a, FOREVER), -EDEADLK);
	KTEST_ASSERT_EQ(mutex_unlock(&chain_b), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(u.result, 0);
}

/* ---- message queues
 * ------------------------------------------------------------------------------- */

KTEST(sync, msgq_fifo_full_and_empty)
{
	uint32_t buf[4], v;
	struct msgq q;

	KTEST_ASSERT_EQ(msgq_init(&q, buf, 0, 4), -EINVAL);
	KTEST_ASSERT_EQ(msgq_init(&q, buf, sizeof(uint32_t), 0), -EINVAL);
	KTEST_ASSERT_EQ(msgq_init(&q, buf, sizeof(uint32_t), 4), 0);
	KTEST_ASSERT_EQ(msgq_get(&q, &v, NO_WAIT), -EAGAIN);
	for (uint32_t i = 0; i < 6; i++) {
		v = 100 + i;
		KTEST_ASSERT_EQ(msgq_put(&q, &v, NO_WAIT), (i < 4 ? 0 : -EAGAIN));
	}
	KTEST_ASSERT_EQ(msgq_used(&q), 4);
	for (uint32_t i = 0; i < 2; i++) { /* wrap the ring */
		KTEST_ASSERT_EQ(msgq_get(&q, &v, NO_WAIT), 0);
		KTEST_ASSERT_EQ(v, 100 + i);
		v = 200 + i;
		KTEST_ASSERT_EQ(msgq_put(&q, &v, NO_WAIT), 0);
	}
	for (uint32_t i = 0; i < 4; i++) {
		KTEST_ASSERT_EQ(msgq_get(&q, &v, FOREVER), 0);
		KTEST_ASSERT_EQ(v, (i < 2 ? 102 + i : 200 + i - 2));
	}
	KTEST_ASSERT_EQ(msgq_destroy(&q), 0);
	KTEST_ASSERT_EQ(msgq_put(&q, &v, NO_WAIT), -EINVAL);
}

struct q_user {
	struct msgq *q;
	uint32_t value;
	int result;
};

static void q_putter(void *arg)
{
	struct q_user *u = arg;

	u->result = msgq_put(u->q, &u->value, FOREVER);
}

static void q_getter(void *arg)
{
	struct q_user *u = arg;

	u->result = msgq_get(u->q, &u->value, FOREVER);
}

/*
 * Every size class of the copy: four words a step (32, 64 and 96 bytes), word
 * pairs (16 and 48), single words (8 and 24), bytes (12) and a caller buffer
 * that is not word aligned, through a ring that wraps; each message comes
 * back exactly, and the bytes around the caller's buffer stay untouched.
 */
KTEST(sync, msgq_copies_every_size_exactly)
{
	static const size_t sizes[] = {8, 12, 16, 24, 32, 48, 64, 96};
	uint64_t ring[3 * 12];

	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t size = sizes[k];
		struct msgq q;

		KTEST_ASSERT_EQ(msgq_init(&q, ring, size, 3), 0);
		for (unsigned int i = 0; i < 7; i++) {
			uint64_t inw[13], outw[14];
			size_t off =
			    i % 2; /* odd rounds: caller buffers that are not word aligned */
			uint8_t *in = (uint8_t *)inw + off, *out = (uint8_t *)outw + 8 + off;

			for (size_t b = 0; b < size; b++)
				in[b] = (uint8_t)(i * 31 + b + size);
			for (size_t b = 0; b < sizeof(outw); b++)
				((uint8_t *)outw)[b] = 0xa5;
			KTEST_ASSERT_EQ(msgq_put(&q, in, NO_WAIT), 0);
			KTEST_ASSERT_EQ(msgq_get(&q, out, NO_WAIT), 0);
			for (size_t b = 0; b < size; b++)
				KTEST_ASSERT_EQ(out[b], in[b]);
			KTEST_ASSERT_EQ(out[-1], 0xa5);
			KTEST_ASSERT_EQ(out[size], 0xa5);
		}
	}
}

KTEST(sync, msgq_hands_over_to_waiters)
{
	uint32_t buf[1], v;
	struct msgq q;
	struct q_user g = {.result = 1}, p[2];
	struct thread *tg, *tp[2];

	slicing_off();
	msgq_init(&q, buf, sizeof(uint32_t), 1);
	/* A receiver waiting on an empty queue gets the next message directly. */
	g.q = &q;
	KTEST_ASSERT_EQ(thread_create(&tg, q_getter, &g, ABOVE_MAIN(1), 0, "getter"), 0);
	thread_yield();
	KTEST_ASSERT(tg->state == THREAD_BLOCKED);
	v = 7;
	KTEST_ASSERT_EQ(msgq_put(&q, &v, NO_WAIT), 0);
	KTEST_ASSERT_EQ(thread_join(tg, FOREVER), 0);
	KTEST_ASSERT_EQ(g.result, 0);
	KTEST_ASSERT_EQ(g.value, 7);
	KTEST_ASSERT_EQ(msgq_used(&q), 0);
	/* Senders waiting on a full queue move in, in order, as slots free. */
	v = 1;
	KTEST_ASSERT_EQ(msgq_put(&q, &v, NO_WAIT), 0);
	for (int i = 0; i < 2; i++) {
		p[i] = (struct q_user){&q, 2 + (uint32_t)i, 1};
		KTEST_ASSERT_EQ(thread_create(&tp[i], q_putter, &p[i], ABOVE_MAIN(1), 0, "putter"),
		                0);
		thread_yield();
		KTEST_ASSERT(tp[i]->state == THREAD_BLOCKED);
	}
	for (uint32_t i = 1; i <= 3; i++) {
		KTEST_ASSERT_EQ(msgq_get(&q, &v, FOREVER), 0);
		KTEST_ASSERT_EQ(v, i);
	}
	for (int i = 0; i < 2; i++) {
		KTEST_ASSERT_EQ(thread_join(tp[i], FOREVER), 0);
		KTEST_ASSERT_EQ(p[i].result, 0);
	}
	/* Destroy cancels a waiting receiver. */
	g = (struct q_user){&q, 0, 1};
	KTEST_ASSERT_EQ(thread_create(&tg, q_getter, &g, ABOVE_MAIN(1), 0, "getter"), 0);
	thread_yield();
	KTEST_ASSERT_EQ(msgq_destroy(&q), 1);
	KTEST_ASSERT_EQ(thread_join(tg, FOREVER), 0);
	KTEST_ASSERT_EQ(g.result, -ECANCELED);
	slicing_default();
}
