// SPDX-License-Identifier: MIT
/*
 * Per-hart magazines (mm/magazine.c) over a fake backend: a pool of cells whose
 * state (in the backend, or handed out) the backend tracks, so every test can
 * check that nothing is lost, handed out twice or returned twice. Host threads
 * play the harts in the concurrent test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/magazine.h>
#include <bora/spinlock.h>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#define CELLS     4096
#define CELL_SIZE 32
#define CAPACITY  16
#define BATCH     4
#define HARTS     4

struct pool {
	spinlock_t lock; /* the backend's shared lock */
	_Alignas(16) unsigned char cell[CELLS][CELL_SIZE];
	bool out[CELLS]; /* handed out by the backend (to a magazine or beyond) */
	size_t limit;    /* cells the backend may hand out at most */
	size_t nout, gets, puts, bad_puts;
};

static struct pool pool;
static struct mag_cache mc;

static size_t cell_index(const void *p)
{
	return (size_t)((const unsigned char *)p - &pool.cell[0][0]) / CELL_SIZE;
}

static size_t fake_get(void *ctx, unsigned int cls, void **out, size_t n)
{
	struct pool *p = ctx;
	size_t got = 0;

	(void)cls;
	spin_lock(&p->lock);
	p->gets++;
	for (size_t i = 0; i < CELLS && got < n && p->nout < p->limit; i++) {
		if (!p->out[i]) {
			p->out[i] = true;
			p->nout++;
			memset(p->cell[i], 0xa5, CELL_SIZE); /* a fresh block holds anything */
			out[got++] = p->cell[i];
		}
	}
	spin_unlock(&p->lock);
	return got;
}

static void fake_put(void *ctx, unsigned int cls, void *const *objs, size_t n)
{
	struct pool *p = ctx;

	(void)cls;
	spin_lock(&p->lock);
	p->puts++;
	for (size_t i = 0; i < n; i++) {
		size_t c = cell_index(objs[i]);

		if (c >= CELLS || !p->out[c] || mag_is_cached(&mc, objs[i])) {
			p->bad_puts++;
			continue;
		}
		p->out[c] = false;
		p->nout--;
	}
	spin_unlock(&p->lock);
}

static const struct mag_backend backend = {.get = fake_get, .put = fake_put};

static int setup(void **state)
{
	(void)state;
	memset(&pool, 0, sizeof(pool));
	pool.limit = CELLS;
	assert_int_equal(mag_init(&mc, &backend, &pool, 2, CAPACITY, BATCH), 0);
	return 0;
}

static void init_refuses_bad_parameters(void **state)
{
	struct mag_cache m;
	struct mag_backend none = {0};

	(void)state;
	assert_int_equal(mag_init(&m, &backend, &pool, 0, CAPACITY, BATCH), -EINVAL);
	assert_int_equal(mag_init(&m, &backend, &pool, MAG_MAX_CLASSES + 1, CAPACITY, BATCH),
	                 -EINVAL);
	assert_int_equal(mag_init(&m, &backend, &pool, 1, BATCH - 1, BATCH), -EINVAL);
	assert_int_equal(mag_init(&m, &backend, &pool, 1, MAG_MAX_CAPACITY + 1, BATCH), -EINVAL);
	assert_int_equal(mag_init(&m, &backend, &pool, 1, CAPACITY, 0), -EINVAL);
	assert_int_equal(mag_init(&m, &backend, &pool, 1, MAG_MAX_BATCH + 1, MAG_MAX_BATCH + 1),
	                 -EINVAL);
	assert_int_equal(mag_init(&m, &none, &pool, 1, CAPACITY, BATCH), -EINVAL);
	assert_int_equal(mag_init(NULL, &backend, &pool, 1, CAPACITY, BATCH), -EINVAL);
}

static void refill_takes_one_batch(void **state)
{
	void *p[BATCH + 1];

	(void)state;
	for (int i = 0; i < BATCH; i++) {
		p[i] = mag_alloc(&mc, 0, 0);
		assert_non_null(p[i]);
		assert_false(mag_is_cached(&mc, p[i]));
	}
	assert_int_equal(pool.gets, 1);
	assert_int_equal(pool.nout, BATCH);
	p[BATCH] = mag_alloc(&mc, 0, 0);
	assert_int_equal(pool.gets, 2);
	assert_int_equal(mc.hart[0].allocs, BATCH + 1);
	assert_int_equal(mag_cached(&mc, 0), BATCH - 1);
	/* Frees stay on the hart: no backend call. */
	for (int i = 0; i <= BATCH; i++)
		assert_int_equal(mag_free(&mc, 0, 0, p[i]), 0);
	assert_int_equal(pool.puts, 0);
	assert_int_equal(mag_cached(&mc, 0), 2 * BATCH);
	assert_int_equal(mag_validate(&mc, NULL, 0), 0);
}

static void a_full_stack_gives_a_batch_back(void **state)
{
	void *p[CAPACITY + 1];

	(void)state;
	pool.limit = CAPACITY + 1;
	for (int i = 0; i <= CAPACITY; i++)
		assert_non_null(p[i] = mag_alloc(&mc, 1, 1));
	for (int i = 0; i < CAPACITY; i++)
		assert_int_equal(mag_free(&mc, 1, 1, p[i]), 0);
	assert_int_equal(pool.puts, 0);
	assert_int_equal(mag_cached(&mc, 1), CAPACITY);
	assert_int_equal(mag_free(&mc, 1, 1, p[CAPACITY]), 0);
	assert_int_equal(pool.puts, 1);
	assert_int_equal(mag_cached(&mc, 1), CAPACITY - BATCH + 1);
	assert_int_equal(pool.nout, CAPACITY - BATCH + 1);
	assert_int_equal(pool.bad_puts, 0);
}

static void a_cached_object_cannot_be_freed_again(void **state)
{
	void *p, *q;

	(void)state;
	p = mag_alloc(&mc, 0, 0);
	assert_int_equal(mag_free(&mc, 0, 0, p), 0);
	assert_int_equal(mag_free(&mc, 0, 0, p), -ENOTALLOC);
	/* ... nor from another hart or into another class. */
	assert_int_equal(mag_free(&mc, 2, 1, p), -ENOTALLOC);
	assert_int_equal(mag_cached(&mc, 0) + mag_cached(&mc, 1), BATCH);
	/* Once handed out again it is live: one free is fine. */
	q = mag_alloc(&mc, 0, 0);
	assert_ptr_equal(q, p);
	assert_int_equal(mag_free(&mc, 0, 0, q), 0);
	assert_int_equal(mag_validate(&mc, NULL, 0), 0);
}

static void bad_arguments_are_refused(void **state)
{
	void *p;

	(void)state;
	p = mag_alloc(&mc, 0, 0);
	assert_int_equal(mag_free(&mc, 0, 0, (char *)p + 4), -EINVAL);
	assert_int_equal(mag_free(&mc, PERCPU_MAX_HARTS, 0, p), -EINVAL);
	assert_int_equal(mag_free(&mc, 0, 2, p), -EINVAL);
	assert_int_equal(mag_free(&mc, 0, 0, NULL), -EINVAL);
	assert_null(mag_alloc(&mc, PERCPU_MAX_HARTS, 0));
	assert_null(mag_alloc(&mc, 0, 2));
	assert_int_equal(mag_free(&mc, 0, 0, p), 0);
}

static void drain_returns_every_hart_s_objects(void **state)
{
	void *p[HARTS][8];

	(void)state;
	for (int h = 0; h < HARTS; h++)
		for (int i = 0; i < 8; i++)
			assert_non_null(p[h][i] = mag_alloc(&mc, (unsigned)h, (unsigned)i & 1));
	/* Each frees what the next hart allocated: objects migrate between harts. */
	for (int h = 0; h < HARTS; h++)
		for (int i = 0; i < 8; i++)
			assert_int_equal(
			    mag_free(&mc, (unsigned)h, (unsigned)i & 1, p[(h + 1) % HARTS][i]), 0);
	assert_true(pool.nout > 0);
	assert_int_equal(mag_drain(&mc), pool.nout);
	assert_int_equal(pool.nout, 0);
	assert_int_equal(pool.bad_puts, 0);
	assert_int_equal(mag_cached(&mc, 0) + mag_cached(&mc, 1), 0);
	assert_int_equal(mag_drain(&mc), 0);
	for (int h = 0; h < HARTS; h++)
		for (int i = 0; i < 8; i++)
			assert_false(mag_is_cached(&mc, p[h][i]));
}

static void an_exhausted_backend_is_refilled_by_a_drain(void **state)
{
	void *p[8], *q;

	(void)state;
	pool.limit = 8;
	for (int i = 0; i < 8; i++)
		assert_non_null(p[i] = mag_alloc(&mc, 3, 0));
	for (int i = 0; i < 8; i++)
		assert_int_equal(mag_free(&mc, 3, 0, p[i]), 0);
	/* Hart 3 holds every object: hart 0 gets nothing until the caches are drained. */
	assert_null(mag_alloc(&mc, 0, 0));
	assert_int_equal(mag_drain(&mc), 8);
	assert_non_null(q = mag_alloc(&mc, 0, 0));
	assert_int_equal(mag_free(&mc, 0, 0, q), 0);
}

static void validate_finds_a_broken_stack(void **state)
{
	char why[128];
	void *p[2];
	uintptr_t saved;

	(void)state;
	p[0] = mag_alloc(&mc, 1, 0);
	p[1] = mag_alloc(&mc, 1, 0);
	assert_int_equal(mag_free(&mc, 1, 0, p[0]), 0);
	assert_int_equal(mag_free(&mc, 1, 0, p[1]), 0);
	assert_int_equal(mag_validate(&mc, why, sizeof(why)), 0);
	/* A write after free over the tag. */
	saved = ((uintptr_t *)p[0])[1];
	((uintptr_t *)p[0])[1] = 0;
	assert_int_equal(mag_validate(&mc, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "tag"));
	((uintptr_t *)p[0])[1] = saved;
	/* A count that disagrees with the links. */
	mc.hart[1].stack[0].count++;
	assert_int_equal(mag_validate(&mc, why, sizeof(why)), -ECORRUPT);
	mc.hart[1].stack[0].count -= 2;
	assert_int_equal(mag_validate(&mc, why, sizeof(why)), -ECORRUPT);
	mc.hart[1].stack[0].count++;
	/* A cycle. */
	saved = ((uintptr_t *)p[0])[0];
	((void **)p[0])[0] = p[1];
	assert_int_equal(mag_validate(&mc, why, sizeof(why)), -ECORRUPT);
	((uintptr_t *)p[0])[0] = saved;
	assert_int_equal(mag_validate(&mc, why, sizeof(why)), 0);
}

/* ---- concurrency: threads as harts ------------------------------------------------- */

#define SLOTS  64
#define ROUNDS 20000

/*
 * A bound on the whole suite (normally well under a second): a lock that is
 * never released, or a hart spinning on one forever, fails the run with this
 * message instead of hanging it. Generous, so a loaded machine never trips it;
 * it bounds a hang, it does not time the code.
 */
#define WATCHDOG_SECONDS 300
#define STR_(x)          #x
#define STR(x)           STR_(x)

/* Owner of each cell while it is handed out beyond the magazines; 0: nobody. */
static unsigned int owner[CELLS];
/* Problems the threads saw; checked by the main thread (cmocka asserts only there). */
static unsigned long conflicts, lost_writes, bad_frees;
/* A one-object mailbox per hart: objects freed by another hart than their allocator. */
static void *mailbox[HARTS];
static uint64_t seed0;

/* Marsaglia's xorshift64 (shifts 13/7/17), one state per thread. */
static uint64_t xorshift64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void *hart_thread(void *arg)
{
	unsigned int hart = (unsigned int)(uintptr_t)arg;
	uint64_t rng = seed0 + hart * 0x9e3779b97f4a7c15ULL;
	void *slot[SLOTS] = {0};

	for (int r = 0; r < ROUNDS; r++) {
		unsigned int s = (unsigned int)(xorshift64(&rng) % SLOTS);

		if (!slot[s]) {
			slot[s] = mag_alloc(&mc, hart, s & 1);
			if (!slot[s])
				continue;
			if (__atomic_exchange_n(&owner[cell_index(slot[s])], hart + 1,
			                        __ATOMIC_ACQ_REL) != 0)
				__atomic_fetch_add(&conflicts, 1, __ATOMIC_RELAXED);
			memset(slot[s], (int)hart + 1, CELL_SIZE);
			continue;
		}
		for (int i = 0; i < CELL_SIZE; i++)
			if (((unsigned char *)slot[s])[i] != hart + 1)
				__atomic_fetch_add(&lost_writes, 1, __ATOMIC_RELAXED);
		if (__atomic_exchange_n(&owner[cell_index(slot[s])], 0, __ATOMIC_ACQ_REL) !=
		    hart + 1)
			__atomic_fetch_add(&conflicts, 1, __ATOMIC_RELAXED);
		if (xorshift64(&rng) % 4 == 0) {
			/* Hand it to the next hart, which frees it there; take any in return. */
			void *mine = __atomic_exchange_n(&mailbox[(hart + 1) % HARTS], slot[s],
			                                 __ATOMIC_ACQ_REL);
			if (mine && mag_free(&mc, hart, s & 1, mine) != 0)
				__atomic_fetch_add(&bad_frees, 1, __ATOMIC_RELAXED);
		} else if (mag_free(&mc, hart, s & 1, slot[s]) != 0) {
			__atomic_fetch_add(&bad_frees, 1, __ATOMIC_RELAXED);
		}
		slot[s] = NULL;
	}
	for (unsigned int s = 0; s < SLOTS; s++) {
		if (slot[s]) {
			__atomic_store_n(&owner[cell_index(slot[s])], 0, __ATOMIC_RELEASE);
			if (mag_free(&mc, hart, s & 1, slot[s]) != 0)
				__atomic_fetch_add(&bad_frees, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static bool harts_done;
static unsigned long drains, bad_validates;

/* Memory pressure on another hart: drains every hart's stacks while they run. */
static void *drainer_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&harts_done, __ATOMIC_ACQUIRE)) {
		mag_drain(&mc);
		if (mag_validate(&mc, NULL, 0))
			bad_validates++;
		drains++;
		sched_yield();
	}
	return NULL;
}

static void watchdog_fired(int sig)
{
	static const char msg[] = "test_magazine: no end in " STR(
	    WATCHDOG_SECONDS) " s: a hart is stuck (a magazine lock never released?)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void harts_in_parallel_never_share_an_object(void **state)
{
	pthread_t t[HARTS], drainer;

	(void)state;
	seed0 = (uint64_t)time(NULL) | 1;
	printf("magazine concurrency seed %#llx\n", (unsigned long long)seed0);
	pool.limit = SLOTS * HARTS / 2; /* short of memory: refills fail, harts compete */
	memset(owner, 0, sizeof(owner));
	memset(mailbox, 0, sizeof(mailbox));
	conflicts = lost_writes = bad_frees = 0;
	harts_done = false;
	drains = bad_validates = 0;
	assert_int_equal(pthread_create(&drainer, NULL, drainer_thread, NULL), 0);
	for (uintptr_t h = 0; h < HARTS; h++)
		assert_int_equal(pthread_create(&t[h], NULL, hart_thread, (void *)h), 0);
	for (int h = 0; h < HARTS; h++)
		pthread_join(t[h], NULL);
	__atomic_store_n(&harts_done, true, __ATOMIC_RELEASE);
	pthread_join(drainer, NULL);
	assert_int_equal(bad_frees, 0);
	assert_true(drains > 0);
	assert_int_equal(bad_validates, 0);
	for (int h = 0; h < HARTS; h++)
		if (mailbox[h])
			assert_int_equal(mag_free(&mc, 0, 0, mailbox[h]), 0);
	assert_int_equal(conflicts, 0);
	assert_int_equal(lost_writes, 0);
	assert_int_equal(mag_validate(&mc, NULL, 0), 0);
	mag_drain(&mc);
	assert_int_equal(pool.nout, 0);
	assert_int_equal(pool.bad_puts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(init_refuses_bad_parameters, setup),
	    cmocka_unit_test_setup(refill_takes_one_batch, setup),
	    cmocka_unit_test_setup(a_full_stack_gives_a_batch_back, setup),
	    cmocka_unit_test_setup(a_cached_object_cannot_be_freed_again, setup),
	    cmocka_unit_test_setup(bad_arguments_are_refused, setup),
	    cmocka_unit_test_setup(drain_returns_every_hart_s_objects, setup),
	    cmocka_unit_test_setup(an_exhausted_backend_is_refilled_by_a_drain, setup),
	    cmocka_unit_test_setup(validate_finds_a_broken_stack, setup),
	    cmocka_unit_test_setup(harts_in_parallel_never_share_an_object, setup),
	};

	signal(SIGALRM, watchdog_fired);
	alarm(WATCHDOG_SECONDS);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
