// SPDX-License-Identifier: MIT
/*
 * Stress of the synchronization objects (suite "sync_stress"): many threads
 * of mixed priorities hammer one semaphore, one mutex and one message queue,
 * yielding at random points (xorshift64, seed printed), and every count is
 * checked at the end: units given == taken, no lost or duplicated message,
 * per-producer order kept, a counter updated only under the mutex exact.
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/msgq.h>
#include <bora/mutex.h>
#include <bora/printk.h>
#include <bora/sem.h>
#include <bora/thread.h>
#include <bora/timer.h>

#include "sched_util.h"

#define STRESS_SEED 0x5eed5eedULL
#define PRODUCERS   6
#define CONSUMERS   4
#define ROUNDS      600 /* per producer */

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned int stress_prio(int i)
{
	return (i % 3 == 0) ? ABOVE_MAIN(1 + i % 4) : BELOW_MAIN(1 + i % 4);
}

/* ---- semaphore
 * ----------------------------------------------------------------------------------- */

static struct sem units;
static volatile long outstanding; /* given and not yet taken; never negative */
static volatile bool went_negative;
static volatile long taken_total;

struct worker {
	int id;
	uint64_t rng;
	int result;
};

static void sem_producer(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS; i++) {
		__atomic_add_fetch(&outstanding, 1, __ATOMIC_SEQ_CST);
		if (sem_give(&units) != 0)
			w->result = -1;
		if (next_random(&w->rng) % 4 == 0)
			thread_yield();
	}
}

static void sem_consumer(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS * PRODUCERS / CONSUMERS; i++) {
		if (sem_take(&units, FOREVER) != 0) {
			w->result = -1;
			return;
		}
		if (__atomic_sub_fetch(&outstanding, 1, __ATOMIC_SEQ_CST) < 0)
			went_negative = true;
		__atomic_add_fetch(&taken_total, 1, __ATOMIC_SEQ_CST);
		if (next_random(&w->rng) % 3 == 0)
			thread_yield();
	}
}

KTEST(sync_stress, semaphore_units_are_conserved)
{
	struct worker w[PRODUCERS + CONSUMERS];
	struct thread *t[PRODUCERS + CONSUMERS];

	printk("sync_stress: seed %#llx\n", (unsigned long long)STRESS_SEED);
	sem_init(&units, 0, ROUNDS * PRODUCERS);
	outstanding = taken_total = 0;
	went_negative = false;
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
		w[i] = (struct worker){i, STRESS_SEED + (uint64_t)i, 0};
		KTEST_ASSERT_EQ(ktest_thread_create(&t[i],
		                                    i < PRODUCERS ? sem_producer : sem_consumer,
		                                    &w[i], stress_prio(i), 0, "sem-stress"),
		                0);
	}
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, 0);
	}
	KTEST_ASSERT(!went_negative);
	KTEST_ASSERT_EQ(taken_total, ROUNDS * PRODUCERS);
	KTEST_ASSERT_EQ(outstanding, 0);
	KTEST_ASSERT_EQ(sem_count(&units), 0);
}

/* ---- mutex
 * --------------------------------------------------------------------------------------- */

static struct mutex counter_lock;
static volatile unsigned long counter;
static volatile int inside;
static volatile bool overlap;

static void mutex_worker(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS; i++) {
		unsigned long v;

		if (mutex_lock(&counter_lock, FOREVER) != 0) {
			w->result = -1;
			return;
		}
		if (inside++)
			overlap = true;
		v = counter;
		if (next_random(&w->rng) % 4 == 0)
			thread_yield(); /* others run, and must not get in */
		counter = v + 1;
		inside--;
		mutex_unlock(&counter_lock);
		if (next_random(&w->rng) % 4 == 0)
			thread_yield();
	}
}

KTEST(sync_stress, mutex_excludes)
{
	struct worker w[8];
	struct thread *t[8];

	mutex_init(&counter_lock, "counter");
	counter = 0;
	inside = 0;
	overlap = false;
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){i, STRESS_SEED * 3 + (uint64_t)i, 0};
		KTEST_ASSERT_EQ(ktest_thread_create(&t[i], mutex_worker, &w[i], stress_prio(i), 0,
		                                    "mutex-stress"),
		                0);
	}
	for (int i = 0; i < 8; i++) {
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, 0);
	}
	KTEST_ASSERT(!overlap);
	KTEST_ASSERT_EQ(counter, 8 * ROUNDS);
	KTEST_ASSERT(mutex_owner(&counter_lock) == NULL);
	KTEST_ASSERT_EQ(thread_current()->rq_node.prio, THREAD_PRIO_DEFAULT);
}

/* ---- message queue
 * -------------------------------------------------------------------------------- */

struct message {
	uint32_t producer;
	uint32_t seq;
	uint64_t check; /* producer * seq mixed: catches torn copies */
};

static struct msgq queue;
static struct message ring[5];
static uint8_t seen[PRODUCERS][ROUNDS];
static volatile bool out_of_order, torn;

static uint64_t check_of(uint32_t p, uint32_t s)
{
	return ((uint64_t)p << 40) ^ ((uint64_t)s * 0x9e3779b97f4a7c15ULL);
}

static void q_producer(void *arg)
{
	struct worker *w = arg;

	for (uint32_t s = 0; s < ROUNDS; s++) {
		struct message m = {(uint32_t)w->id, s, check_of((uint32_t)w->id, s)};

		if (msgq_put(&queue, &m, FOREVER) != 0) {
			w->result = -1;
			return;
		}
		if (next_random(&w->rng) % 4 == 0)
			thread_yield();
	}
}

static void q_consumer(void *arg)
{
	struct worker *w = arg;
	int last[PRODUCERS];

	for (int p = 0; p < PRODUCERS; p++)
		last[p] = -1;
	for (int i = 0; i < ROUNDS * PRODUCERS / CONSUMERS; i++) {
		struct message m;

		if (msgq_get(&queue, &m, FOREVER) != 0) {
			w->result = -1;
			return;
		}
		if (m.producer >= PRODUCERS || m.seq >= ROUNDS ||
		    m.check != check_of(m.producer, m.seq)) {
			torn = true;
			continue;
		}
		seen[m.producer][m.seq]++;
		if ((int)m.seq <= last[m.producer])
			out_of_order = true;
		last[m.producer] = (int)m.seq;
		if (next_random(&w->rng) % 3 == 0)
			thread_yield();
	}
}

KTEST(sync_stress, every_message_arrives_once_in_order)
{
	struct worker w[PRODUCERS + CONSUMERS];
	struct thread *t[PRODUCERS + CONSUMERS];

	KTEST_ASSERT_EQ(msgq_init(&queue, ring, sizeof(struct message), ARRAY_SIZE(ring)), 0);
	for (int p = 0; p < PRODUCERS; p++)
		for (int s = 0; s < ROUNDS; s++)
			seen[p][s] = 0;
	out_of_order = torn = false;
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
		w[i] = (struct worker){i < PRODUCERS ? i : i - PRODUCERS,
		                       STRESS_SEED * 7 + (uint64_t)i, 0};
		KTEST_ASSERT_EQ(ktest_thread_create(&t[i], i < PRODUCERS ? q_producer : q_consumer,
		                                    &w[i], stress_prio(i), 0, "msgq-stress"),
		                0);
	}
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, 0);
	}
	KTEST_ASSERT(!torn);
	KTEST_ASSERT(!out_of_order);
	for (int p = 0; p < PRODUCERS; p++)
		for (int s = 0; s < ROUNDS; s++)
			KTEST_ASSERT_EQ(seen[p][s], 1);
	KTEST_ASSERT_EQ(msgq_used(&queue), 0);
	KTEST_ASSERT_EQ(msgq_destroy(&queue), 0);
}

/* ---- with timeouts
 * ---------------------------------------------------------------------------------- */

static volatile long timed_taken, timed_timeouts, timed_given;
static volatile bool timed_done;

/* Gives ROUNDS units, sleeping now and then so the takers' timeouts expire. */
static void timed_giver(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS / 4; i++) {
		if (sem_give(&units) != 0)
			w->result = -1;
		__atomic_add_fetch(&timed_given, 1, __ATOMIC_SEQ_CST);
		if (next_random(&w->rng) % 8 == 0)
			thread_sleep(TIMEOUT_US(300 + next_random(&w->rng) % 1500));
	}
}

/* Takes with short timeouts until the givers are done and the count is drained. */
static void timed_taker(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		int err = sem_take(&units, TIMEOUT_US(200 + next_random(&w->rng) % 800));

		if (err == 0) {
			__atomic_add_fetch(&timed_taken, 1, __ATOMIC_SEQ_CST);
		} else if (err == -ETIMEDOUT) {
			__atomic_add_fetch(&timed_timeouts, 1, __ATOMIC_SEQ_CST);
			if (timed_done && sem_count(&units) == 0)
				return;
		} else {
			w->result = err;
			return;
		}
	}
}

/*
 * Units given == units taken, whatever mix of timeouts happened; every
 * timed-out take left the count alone.
 */
KTEST(sync_stress, timed_semaphore_takes_lose_nothing)
{
	struct worker w[8];
	struct thread *t[8];

	printk("sync_stress: seed %#llx\n", (unsigned long long)STRESS_SEED * 11);
	sem_init(&units, 0, 1000000);
	timed_taken = timed_timeouts = timed_given = 0;
	timed_done = false;
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){i, STRESS_SEED * 11 + (uint64_t)i, 0};
		KTEST_ASSERT_EQ(ktest_thread_create(&t[i], i < 4 ? timed_giver : timed_taker, &w[i],
		                                    stress_prio(i), 0, "timed-stress"),
		                0);
	}
	for (int i = 0; i < 4; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	timed_done = true;
	for (int i = 0; i < 8; i++) {
		if (i >= 4)
			KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, 0);
	}
	printk("sync_stress: %ld given, %ld taken, %ld timeouts\n", (long)timed_given,
	       (long)timed_taken, (long)timed_timeouts);
	KTEST_ASSERT_EQ(timed_given, 4 * (ROUNDS / 4));
	KTEST_ASSERT_EQ(timed_taken, timed_given);
	KTEST_ASSERT_EQ(sem_count(&units), 0);
	KTEST_ASSERT(timed_timeouts > 0);
}

static volatile long q_sent, q_received, q_put_timeouts, q_get_timeouts;

static void timed_q_producer(void *arg)
{
	struct worker *w = arg;
	uint32_t s = 0;

	while (s < ROUNDS / 4) {
		struct message m = {(uint32_t)w->id, s, check_of((uint32_t)w->id, s)};
		int err = msgq_put(&queue, &m, TIMEOUT_US(100 + next_random(&w->rng) % 400));

		if (err == 0) {
			s++;
			__atomic_add_fetch(&q_sent, 1, __ATOMIC_SEQ_CST);
		} else if (err == -ETIMEDOUT) {
			__atomic_add_fetch(&q_put_timeouts, 1, __ATOMIC_SEQ_CST);
		} else {
			w->result = err;
			return;
		}
	}
}

static void timed_q_consumer(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		struct message m;
		int err = msgq_get(&queue, &m, TIMEOUT_US(100 + next_random(&w->rng) % 900));

		if (err == 0) {
			if (m.producer >= PRODUCERS || m.seq >= ROUNDS ||
			    m.check != check_of(m.producer, m.seq))
				torn = true;
			else
				seen[m.producer][m.seq]++;
			__atomic_add_fetch(&q_received, 1, __ATOMIC_SEQ_CST);
			if (next_random(&w->rng) % 16 == 0)
				thread_sleep(TIMEOUT_US(500));
		} else if (err == -ETIMEDOUT) {
			__atomic_add_fetch(&q_get_timeouts, 1, __ATOMIC_SEQ_CST);
			if (timed_done && msgq_used(&queue) == 0)
				return;
		} else {
			w->result = err;
			return;
		}
	}
}

/* Every message sent arrives once, while puts and gets keep timing out on both sides. */
KTEST(sync_stress, timed_queue_loses_and_duplicates_nothing)
{
	struct worker w[PRODUCERS + CONSUMERS];
	struct thread *t[PRODUCERS + CONSUMERS];

	KTEST_ASSERT_EQ(msgq_init(&queue, ring, sizeof(struct message), 2), 0);
	for (int p = 0; p < PRODUCERS; p++)
		for (int s = 0; s < ROUNDS; s++)
			seen[p][s] = 0;
	torn = false;
	timed_done = false;
	q_sent = q_received = q_put_timeouts = q_get_timeouts = 0;
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
		w[i] = (struct worker){i < PRODUCERS ? i : i - PRODUCERS,
		                       STRESS_SEED * 13 + (uint64_t)i, 0};
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], i < PRODUCERS ? timed_q_producer : timed_q_consumer,
		                        &w[i], stress_prio(i), 0, "timed-msgq"),
		    0);
	}
	for (int i = 0; i < PRODUCERS; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	timed_done = true;
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
		if (i >= PRODUCERS)
			KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
		KTEST_ASSERT_EQ(w[i].result, 0);
	}
	printk("sync_stress: %ld sent, %ld received, %ld put and %ld get timeouts\n", (long)q_sent,
	       (long)q_received, (long)q_put_timeouts, (long)q_get_timeouts);
	KTEST_ASSERT(!torn);
	KTEST_ASSERT_EQ(q_sent, PRODUCERS * (ROUNDS / 4));
	KTEST_ASSERT_EQ(q_received, q_sent);
	for (int p = 0; p < PRODUCERS; p++)
		for (int s = 0; s < ROUNDS; s++)
			KTEST_ASSERT_EQ(seen[p][s], s < ROUNDS / 4 ? 1 : 0);
	KTEST_ASSERT(q_get_timeouts > 0);
	KTEST_ASSERT_EQ(msgq_destroy(&queue), 0);
}
