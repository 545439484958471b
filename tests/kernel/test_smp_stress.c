// SPDX-License-Identifier: MIT
/*
 * The synchronization objects under threads on every hart at once (suite
 * "smp_stress"): the sync_stress workloads run there on the boot hart only
 * (main's affinity is inherited); here half the threads are pinned round
 * robin to each online hart and the other half may run anywhere, so wake-ups
 * cross harts, idle harts steal and mutex owners inherit priority from
 * waiters on other harts. Checked at the end: semaphore units given == taken
 * and never more taken than given at any moment, a counter updated under the
 * mutex exact with one owner at a time (an atomic count of threads inside the
 * critical section, and mutex_owner), every message delivered once and in
 * per-producer order, and every online hart ran the workers.
 */
#include <bora/ktest.h>
#include <bora/msgq.h>
#include <bora/mutex.h>
#include <bora/printk.h>
#include <bora/sem.h>
#include <bora/smp.h>
#include <bora/thread.h>

#include "sched_util.h"
#include "smp_util.h"

#define SEED 0x5e1f5e1fULL
/* Two per hart, at least 4 (a producer/consumer pair on each side even with one hart). */
#define WORKERS (CONFIG_MAX_HARTS > 2 ? 2 * CONFIG_MAX_HARTS : 4)
/*
 * 800 operations in all, split over the workers (at most 200 each), whatever
 * the hart count: a contended ticket lock waits for one particular vCPU, so
 * with more vCPUs than host cores each contended operation costs host
 * scheduling time (docs/smp.md).
 */
#define ROUNDS_MAX 200

static unsigned int rounds;

struct worker {
	unsigned int id;
	uint64_t rng;
	int result;
};

static struct worker workers[WORKERS];
static struct thread *threads[WORKERS];
static uint64_t ran_on; /* harts any worker ran on */

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void note_hart(void)
{
	__atomic_fetch_or(&ran_on, hart_bit(smp_this_hart()), __ATOMIC_RELAXED);
}

static void maybe_yield(struct worker *w, unsigned int one_in)
{
	if (next_random(&w->rng) % one_in == 0)
		thread_yield();
}

/* Two workers per online hart (at least 4): even ones pinned round robin, odd ones free. */
static unsigned int worker_count(void)
{
	unsigned int n = 2 * smp_online_count();

	n = n < 4 ? 4 : n;
	rounds = 800 / n;
	_Static_assert(800 / 4 <= ROUNDS_MAX, "seen[] holds every round");
	return n;
}

static int start_workers(unsigned int n, void (*fn)(void *), uint64_t seed, const char *name)
{
	ran_on = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t where = (i % 2) ? smp_online_mask()
		                         : hart_bit(smp_nth_online((i / 2) % smp_online_count()));
		unsigned int prio = (i % 3 == 0) ? ABOVE_MAIN(1 + i % 3) : BELOW_MAIN(1 + i % 4);
		int err;

		workers[i] = (struct worker){i, seed + i, 0};
		err = ktest_thread_create_on(&threads[i], fn, &workers[i], prio, 0, name, where);
		if (err)
			return err;
	}
	return 0;
}

static int join_workers(unsigned int n)
{
	int bad = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (thread_join(threads[i], FOREVER) != 0 || workers[i].result != 0)
			bad++;
	}
	return bad;
}

/* ---- semaphore: producers give, consumers take ---------------------------------------------- */

static struct sem units;
static long outstanding; /* given and not yet taken: never negative */
static unsigned int went_negative;
static long taken_total;

static void sem_worker(void *arg)
{
	struct worker *w = arg;

	for (unsigned int i = 0; i < rounds; i++) {
		note_hart();
		if (w->id % 2 == 0) {
			/* Counted before the give, so a take can never get ahead of it. */
			__atomic_add_fetch(&outstanding, 1, __ATOMIC_SEQ_CST);
			if (sem_give(&units) != 0)
				w->result = -1;
		} else {
			if (sem_take(&units, FOREVER) != 0) {
				w->result = -1;
				return;
			}
			if (__atomic_sub_fetch(&outstanding, 1, __ATOMIC_SEQ_CST) < 0)
				__atomic_store_n(&went_negative, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&taken_total, 1, __ATOMIC_RELAXED);
		}
		maybe_yield(w, 4);
	}
}

KTEST(smp_stress, semaphore_units_are_conserved_across_harts)
{
	unsigned int n = worker_count();

	KTEST_ASSERT_EQ(sem_init(&units, 0, ROUNDS_MAX * WORKERS), 0);
	outstanding = taken_total = 0;
	went_negative = 0;
	KTEST_ASSERT_EQ(start_workers(n, sem_worker, SEED, "sem-smp"), 0);
	KTEST_ASSERT_EQ(join_workers(n), 0);
	KTEST_ASSERT_EQ(went_negative, 0);
	KTEST_ASSERT_EQ(taken_total, (n / 2) * rounds);
	KTEST_ASSERT_EQ(outstanding, 0);
	KTEST_ASSERT_EQ(sem_count(&units), 0);
	KTEST_ASSERT_EQ(ran_on, smp_online_mask());
}

/* ---- mutex: one owner at a time, a plain counter stays exact -------------------------------- */

static struct mutex counter_lock;
static unsigned long counter; /* only ever touched with counter_lock held */
static unsigned int inside;   /* threads in the critical section: 1 while it is held */
static unsigned int overlaps, not_owner;

static void mutex_worker(void *arg)
{
	struct worker *w = arg;

	for (unsigned int i = 0; i < rounds; i++) {
		unsigned long v;

		note_hart();
		if (mutex_lock(&counter_lock, FOREVER) != 0) {
			w->result = -1;
			return;
		}
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		if (mutex_owner(&counter_lock) != thread_current())
			__atomic_add_fetch(&not_owner, 1, __ATOMIC_RELAXED);
		v = counter;
		maybe_yield(w, 4); /* others run, here or on another hart, and must not get in */
		counter = v + 1;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		if (mutex_unlock(&counter_lock) != 0)
			w->result = -1;
		maybe_yield(w, 4);
	}
}

KTEST(smp_stress, mutex_excludes_across_harts)
{
	unsigned int n = worker_count();

	KTEST_ASSERT_EQ(mutex_init(&counter_lock, "smp-counter"), 0);
	counter = 0;
	inside = overlaps = not_owner = 0;
	KTEST_ASSERT_EQ(start_workers(n, mutex_worker, SEED * 3, "mutex-smp"), 0);
	KTEST_ASSERT_EQ(join_workers(n), 0);
	KTEST_ASSERT_EQ(overlaps, 0);
	KTEST_ASSERT_EQ(not_owner, 0);
	KTEST_ASSERT_EQ(inside, 0);
	KTEST_ASSERT_EQ(counter, (unsigned long)n * rounds);
	KTEST_ASSERT(mutex_owner(&counter_lock) == NULL);
	/* Inheritance undone everywhere: main is back at its own priority. */
	KTEST_ASSERT_EQ(thread_current()->rq_node.prio, THREAD_PRIO_DEFAULT);
	KTEST_ASSERT_EQ(ran_on, smp_online_mask());
	KTEST_ASSERT_EQ(mutex_destroy(&counter_lock), 0);
}

/* ---- message queue: every message once, per-producer order kept ----------------------------- */

struct message {
	uint32_t producer;
	uint32_t seq;
	uint64_t check; /* producer and seq mixed: catches torn copies */
};

static struct msgq queue;
static struct message ring[4];
static uint32_t seen[WORKERS][ROUNDS_MAX];
static unsigned int torn, out_of_order;

static uint64_t check_of(uint32_t p, uint32_t s)
{
	return ((uint64_t)p << 40) ^ ((uint64_t)s * 0x9e3779b97f4a7c15ULL);
}

static void msgq_worker(void *arg)
{
	struct worker *w = arg;
	int last[WORKERS];

	for (unsigned int p = 0; p < WORKERS; p++)
		last[p] = -1;
	for (uint32_t s = 0; s < rounds; s++) {
		struct message m = {w->id, s, check_of(w->id, s)};

		note_hart();
		if (w->id % 2 == 0) {
			if (msgq_put(&queue, &m, FOREVER) != 0) {
				w->result = -1;
				return;
			}
		} else {
			if (msgq_get(&queue, &m, FOREVER) != 0) {
				w->result = -1;
				return;
			}
			if (m.producer >= WORKERS || m.producer % 2 || m.seq >= rounds ||
			    m.check != check_of(m.producer, m.seq)) {
				__atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
				continue;
			}
			/* Atomic, so a duplicate on two harts counts twice. */
			__atomic_add_fetch(&seen[m.producer][m.seq], 1, __ATOMIC_RELAXED);
			/* FIFO: what one consumer gets from one producer comes in its order. */
			if ((int)m.seq <= last[m.producer])
				__atomic_add_fetch(&out_of_order, 1, __ATOMIC_RELAXED);
			last[m.producer] = (int)m.seq;
		}
		maybe_yield(w, 3);
	}
}

KTEST(smp_stress, every_message_arrives_once_in_order_across_harts)
{
	unsigned int n = worker_count();

	KTEST_ASSERT_EQ(msgq_init(&queue, ring, sizeof(struct message), ARRAY_SIZE(ring)), 0);
	for (unsigned int p = 0; p < WORKERS; p++)
		for (unsigned int s = 0; s < ROUNDS_MAX; s++)
			seen[p][s] = 0;
	torn = out_of_order = 0;
	KTEST_ASSERT_EQ(start_workers(n, msgq_worker, SEED * 7, "msgq-smp"), 0);
	KTEST_ASSERT_EQ(join_workers(n), 0);
	KTEST_ASSERT_EQ(torn, 0);
	KTEST_ASSERT_EQ(out_of_order, 0);
	for (unsigned int p = 0; p < n; p++)
		for (unsigned int s = 0; s < ROUNDS_MAX; s++)
			KTEST_ASSERT_EQ(seen[p][s], p % 2 == 0 && s < rounds ? 1 : 0);
	KTEST_ASSERT_EQ(msgq_used(&queue), 0);
	KTEST_ASSERT_EQ(msgq_destroy(&queue), 0);
	KTEST_ASSERT_EQ(ran_on, smp_online_mask());
	printk("smp_stress: %u workers on %u harts, %u rounds each\n", n, smp_online_count(),
	       rounds);
}
