// SPDX-License-Identifier: MIT
/*
 * Scheduling across harts (suite "smp_sched", docs/smp.md): threads run on
 * every online hart, affinity holds through sleeps, wake-ups, steals and
 * thread_set_affinity, an idle hart steals a queued thread, and a reschedule
 * IPI preempts a busy hart. Outcomes are detected by what the threads record
 * (smp_this_hart(), flags set in a known order), never by elapsed time.
 * Tests that need two harts say so in a SKIP on a one-hart boot.
 */
#include <bora/ktest.h>
#include <bora/sem.h>
#include <bora/smp.h>
#include <bora/thread.h>

#include "sched_util.h"
#include "smp_util.h"

#define NEEDS_TWO_HARTS()                                                                          \
	do {                                                                                       \
		if (smp_online_count() < 2)                                                        \
			KTEST_SKIP("needs 2 online harts; this boot has 1");                       \
	} while (0)

/* ---- threads run on every online hart ---------------------------------------------------- */

static uint64_t spread_seen;         /* harts a spread thread has run on */
static unsigned int spread_stuck;    /* threads that hit the spin bound */
static unsigned int spread_bad_hart; /* a thread saw a hart that is not online */

static void spread_thread(void *arg)
{
	uint64_t want = smp_online_mask();

	(void)arg;
	for (unsigned long n = 0;; n++) {
		unsigned int h = smp_this_hart();

		if (!(want & hart_bit(h)))
			__atomic_store_n(&spread_bad_hart, 1, __ATOMIC_RELAXED);
		__atomic_fetch_or(&spread_seen, hart_bit(h), __ATOMIC_ACQ_REL);
		/* Keep running until every hart took one of us: the harts left idle must steal. */
		if ((__atomic_load_n(&spread_seen, __ATOMIC_ACQUIRE) & want) == want)
			return;
		if (n == SMP_SPIN_LIMIT / 64) {
			__atomic_fetch_add(&spread_stuck, 1, __ATOMIC_RELAXED);
			return;
		}
		thread_yield();
	}
}

/*
 * Twice as many unpinned threads as harts, below main so it creates them all
 * before any runs on the boot hart: placement spreads them, and each keeps
 * its hart busy until every hart has run one.
 */
KTEST(smp_sched, threads_run_on_every_online_hart)
{
	unsigned int n = 2 * smp_online_count();
	struct thread *t[2 * CONFIG_MAX_HARTS];

	spread_seen = 0;
	spread_stuck = spread_bad_hart = 0;
	for (unsigned int i = 0; i < n; i++)
		KTEST_ASSERT_EQ(ktest_thread_create_on(&t[i], spread_thread, NULL, BELOW_MAIN(1), 0,
		                                       "spread", smp_online_mask()),
		                0);
	for (unsigned int i = 0; i < n; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	KTEST_ASSERT_EQ(spread_stuck, 0);
	KTEST_ASSERT_EQ(spread_bad_hart, 0);
	KTEST_ASSERT_EQ(spread_seen, smp_online_mask());
}

/* ---- a pinned thread only ever runs on its hart --------------------------------------------- */

#define PIN_ROUNDS 20

struct pinned {
	unsigned int hart;
	struct sem go;
	unsigned int checks, wrong;
};

static void pinned_check(struct pinned *p)
{
	p->checks++;
	if (smp_this_hart() != p->hart)
		p->wrong++;
}

static void pinned_thread(void *arg)
{
	struct pinned *p = arg;

	for (int r = 0; r < PIN_ROUNDS; r++) {
		pinned_check(p);
		thread_yield();
		pinned_check(p);
		thread_sleep(TIMEOUT_MS(1));
		pinned_check(p);
		sem_take(&p->go, FOREVER); /* woken by main from the boot hart */
		pinned_check(p);
	}
}

/*
 * Unpinned threads waking now and then, so pinned ones sometimes wait queued
 * behind them while idle harts look for work to steal. Few and slow: with
 * more vCPUs than host cores every wake-up costs host time.
 */
static unsigned int churn_stop;

static void churn_thread(void *arg)
{
	(void)arg;
	while (!load_acquire_uint(&churn_stop))
		thread_sleep(TIMEOUT_MS(2));
}

KTEST(smp_sched, pinned_threads_stay_on_their_hart)
{
	static struct pinned p[CONFIG_MAX_HARTS];
	struct thread *t[CONFIG_MAX_HARTS], *churn[CONFIG_MAX_HARTS];
	unsigned int n = smp_online_count(), nchurn = (n + 1) / 2;

	store_release_uint(&churn_stop, 0);
	for (unsigned int i = 0; i < nchurn; i++)
		KTEST_ASSERT_EQ(ktest_thread_create_on(&churn[i], churn_thread, NULL, BELOW_MAIN(2),
		                                       0, "churn", smp_online_mask()),
		                0);
	for (unsigned int i = 0; i < n; i++) {
		p[i] = (struct pinned){.hart = smp_nth_online(i)};
		KTEST_ASSERT_EQ(sem_init(&p[i].go, 0, PIN_ROUNDS), 0);
		KTEST_ASSERT_EQ(ktest_thread_create_on(&t[i], pinned_thread, &p[i], BELOW_MAIN(1),
		                                       0, "pinned", hart_bit(p[i].hart)),
		                0);
		KTEST_ASSERT_EQ(thread_get_affinity(t[i]), hart_bit(p[i].hart));
	}
	for (int r = 0; r < PIN_ROUNDS; r++) {
		thread_sleep(TIMEOUT_MS(2));
		for (unsigned int i = 0; i < n; i++)
			KTEST_ASSERT_EQ(sem_give(&p[i].go), 0);
	}
	for (unsigned int i = 0; i < n; i++)
		KTEST_ASSERT_EQ(thread_join(t[i], FOREVER), 0);
	store_release_uint(&churn_stop, 1);
	for (unsigned int i = 0; i < nchurn; i++)
		KTEST_ASSERT_EQ(thread_join(churn[i], FOREVER), 0);
	for (unsigned int i = 0; i < n; i++) {
		KTEST_ASSERT_EQ(p[i].checks, 4 * PIN_ROUNDS);
		KTEST_ASSERT_EQ(p[i].wrong, 0);
	}
}

/* ---- thread_set_affinity moves a blocked, a sleeping and a running thread ------------------ */

struct mover {
	struct sem go, ack;
	unsigned int expect;   /* the hart main has pinned it to, at the points it checks */
	unsigned int spinning; /* set while it spins without yielding */
	unsigned int wrong, stuck;
	uint64_t seen; /* harts seen while spinning */
};

static void mover_check(struct mover *m)
{
	if (smp_this_hart() != load_acquire_uint(&m->expect))
		__atomic_fetch_add(&m->wrong, 1, __ATOMIC_RELAXED);
}

static void mover_thread(void *arg)
{
	struct mover *m = arg;
	unsigned int from;
	unsigned long n;

	/* 1: blocked on a semaphore when main moves it. */
	mover_check(m);
	sem_give(&m->ack);
	sem_take(&m->go, FOREVER);
	mover_check(m);
	/* 2: asleep (or about to sleep) when main moves it. */
	sem_give(&m->ack);
	thread_sleep(TIMEOUT_MS(3));
	sem_take(&m->go, FOREVER);
	mover_check(m);
	/* 3: running when main moves it, until it finds itself on the new hart. */
	from = smp_this_hart();
	store_release_uint(&m->spinning, 1);
	for (n = 0; n < SMP_SPIN_LIMIT; n++) {
		unsigned int h = smp_this_hart(), to = load_acquire_uint(&m->expect);

		m->seen |= hart_bit(h);
		if (to != from && h == to)
			break;
		if (!TEST_PREEMPT && (n & 1023) == 0)
			thread_yield(); /* cooperative: it moves at its next yield */
	}
	if (n == SMP_SPIN_LIMIT)
		m->stuck = 1;
	store_release_uint(&m->spinning, 0);
	/* Stays there through a yield and a sleep. */
	thread_yield();
	mover_check(m);
	thread_sleep(TIMEOUT_MS(1));
	mover_check(m);
}

KTEST(smp_sched, set_affinity_moves_blocked_sleeping_and_running_threads)
{
	static struct mover m;
	unsigned int a, b;
	struct thread *t;

	NEEDS_TWO_HARTS();
	a = smp_nth_online(1);
	b = smp_nth_online(0); /* the boot hart: main blocks, so it is free */
	m = (struct mover){.expect = a};
	KTEST_ASSERT_EQ(sem_init(&m.go, 0, 1), 0);
	KTEST_ASSERT_EQ(sem_init(&m.ack, 0, 1), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create_on(&t, mover_thread, &m, BELOW_MAIN(1), 0, "mover", hart_bit(a)),
	    0);
	/* 1: blocked on go (or on its way there): wakes on b. */
	KTEST_ASSERT_EQ(sem_take(&m.ack, FOREVER), 0);
	store_release_uint(&m.expect, b);
	KTEST_ASSERT_EQ(thread_set_affinity(t, hart_bit(b)), 0);
	KTEST_ASSERT_EQ(thread_get_affinity(t), hart_bit(b));
	KTEST_ASSERT_EQ(sem_give(&m.go), 0);
	/* 2: asleep: back to a when it wakes. */
	KTEST_ASSERT_EQ(sem_take(&m.ack, FOREVER), 0);
	store_release_uint(&m.expect, a);
	KTEST_ASSERT_EQ(thread_set_affinity(t, hart_bit(a)), 0);
	KTEST_ASSERT_EQ(sem_give(&m.go), 0);
	/* 3: spinning on a; moved to b (free while main sleeps-waits, so it runs there). */
	KTEST_ASSERT(sleep_until_set(&m.spinning, 100000));
	store_release_uint(&m.expect, b);
	KTEST_ASSERT_EQ(thread_set_affinity(t, hart_bit(b)), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(m.stuck, 0);
	KTEST_ASSERT_EQ(m.wrong, 0);
	KTEST_ASSERT_EQ(m.seen, hart_bit(a) | hart_bit(b));
}

/* ---- an idle hart steals a queued thread, and only one its affinity allows ---------------- */

static unsigned int hog_spinning, hog_release, hog_stuck;

/* Keeps its hart without yielding until main releases it. */
static void hog_thread(void *arg)
{
	(void)arg;
	store_release_uint(&hog_spinning, 1);
	if (!spin_until_set(&hog_release))
		hog_stuck = 1;
}

struct queued {
	unsigned int hart;     /* where it ran */
	unsigned int hog_busy; /* the hog still held its hart then */
	struct sem done;
};

static void queued_thread(void *arg)
{
	struct queued *q = arg;

	q->hart = smp_this_hart();
	q->hog_busy = load_acquire_uint(&hog_spinning) && !load_acquire_uint(&hog_release);
	sem_give(&q->done);
}

/*
 * The hog holds hart v; `pinned` and `loose` queue behind it at its priority
 * (slicing off, so they wait for it). loose may also run on the boot hart:
 * when main blocks there, the boot hart's idle loop must take loose from v's
 * queue, and must leave pinned alone (it runs on v once the hog is done).
 */
KTEST(smp_sched, idle_hart_steals_only_what_affinity_allows)
{
	static struct queued pinned_q, loose_q;
	struct thread *hog, *pinned, *loose;
	unsigned int v, boot = smp_this_hart();

	NEEDS_TWO_HARTS();
	v = smp_nth_online(1);
	slicing_off();
	hog_spinning = hog_release = hog_stuck = 0;
	pinned_q = (struct queued){.hart = ~0u};
	loose_q = (struct queued){.hart = ~0u};
	KTEST_ASSERT_EQ(sem_init(&pinned_q.done, 0, 1), 0);
	KTEST_ASSERT_EQ(sem_init(&loose_q.done, 0, 1), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create_on(&hog, hog_thread, NULL, BELOW_MAIN(1), 0, "hog", hart_bit(v)),
	    0);
	KTEST_ASSERT(sleep_until_set(&hog_spinning, 100000));
	KTEST_ASSERT_EQ(ktest_thread_create_on(&pinned, queued_thread, &pinned_q, BELOW_MAIN(1), 0,
	                                       "pinned", hart_bit(v)),
	                0);
	KTEST_ASSERT_EQ(ktest_thread_create_on(&loose, queued_thread, &loose_q, BELOW_MAIN(1), 0,
	                                       "loose", hart_bit(v)),
	                0);
	/* Allowed on the boot hart now, but still queued on v (v stays allowed). */
	KTEST_ASSERT_EQ(thread_set_affinity(loose, hart_bit(v) | hart_bit(boot)), 0);
	/* main blocks: the boot hart idles and must steal loose. */
	KTEST_ASSERT_EQ(sem_take(&loose_q.done, FOREVER), 0);
	KTEST_ASSERT_EQ(loose_q.hart, boot);
	KTEST_ASSERT_EQ(loose_q.hog_busy, 1);
	KTEST_ASSERT_EQ(pinned_q.hart, ~0u); /* still waiting behind the hog */
	store_release_uint(&hog_release, 1);
	KTEST_ASSERT_EQ(sem_take(&pinned_q.done, FOREVER), 0);
	KTEST_ASSERT_EQ(pinned_q.hart, v);
	KTEST_ASSERT_EQ(pinned_q.hog_busy, 0);
	KTEST_ASSERT_EQ(thread_join(hog, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(pinned, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(loose, FOREVER), 0);
	KTEST_ASSERT_EQ(hog_stuck, 0);
	slicing_default();
}

/* ---- a reschedule IPI preempts a busy hart -------------------------------------------------- */

static unsigned int low_spinning, high_ran, high_saw_low_spinning, low_stuck;
static struct sem high_go, high_ready;

/* Spins on its hart without a yield or a blocking call until the high thread has run. */
static void low_thread(void *arg)
{
	(void)arg;
	store_release_uint(&low_spinning, 1);
	if (!spin_until_set(&high_ran))
		low_stuck = 1;
	store_release_uint(&low_spinning, 0);
}

static void high_thread(void *arg)
{
	(void)arg;
	sem_give(&high_ready);
	sem_take(&high_go, FOREVER);
	/* Only a preemption of low can bring us here while it spins. */
	high_saw_low_spinning = load_acquire_uint(&low_spinning);
	store_release_uint(&high_ran, 1);
}

KTEST(smp_sched, reschedule_ipi_preempts_a_busy_hart)
{
	struct thread *low, *high;
	unsigned int v;
#ifdef CONFIG_SMP
	unsigned long ipis;
#endif

	NEEDS_TWO_HARTS();
	if (!TEST_PREEMPT)
		KTEST_SKIP("cooperative build: a busy hart switches only when its thread yields");
	v = smp_nth_online(1);
	slicing_off(); /* nothing but the IPI may interrupt low */
	low_spinning = high_ran = high_saw_low_spinning = low_stuck = 0;
	KTEST_ASSERT_EQ(sem_init(&high_go, 0, 1), 0);
	KTEST_ASSERT_EQ(sem_init(&high_ready, 0, 1), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create_on(&high, high_thread, NULL, ABOVE_MAIN(1), 0, "high", hart_bit(v)),
	    0);
	KTEST_ASSERT_EQ(sem_take(&high_ready, FOREVER), 0);
	KTEST_ASSERT_EQ(
	    ktest_thread_create_on(&low, low_thread, NULL, BELOW_MAIN(1), 0, "low", hart_bit(v)),
	    0);
	KTEST_ASSERT(sleep_until_set(&low_spinning, 100000));
#ifdef CONFIG_SMP
	ipis = smp_ipi_count(v, IPI_RESCHED);
#endif
	/* From the boot hart: high becomes ready on v, where low spins. */
	KTEST_ASSERT_EQ(sem_give(&high_go), 0);
	KTEST_ASSERT_EQ(thread_join(high, FOREVER), 0);
	KTEST_ASSERT_EQ(thread_join(low, FOREVER), 0);
	KTEST_ASSERT_EQ(low_stuck, 0);
	KTEST_ASSERT_EQ(high_saw_low_spinning, 1);
#ifdef CONFIG_SMP
	KTEST_ASSERT(smp_ipi_count(v, IPI_RESCHED) > ipis);
#endif
	slicing_default();
}
