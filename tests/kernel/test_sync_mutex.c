// SPDX-License-Identifier: MIT
/*
 * Mutexes (suite "sync", beside test_sync.c's semaphores): ownership,
 * recursion and misuse, destroy by the owner and by others, priority
 * inheritance (the classic inversion, transitive chains) and deadlock
 * detection. Waiting threads run above main's priority, as in test_sync.c.
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/mutex.h>
#include <bora/sched.h>
#include <bora/sem.h>
#include <bora/thread.h>

#include "sched_util.h"

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
	KTEST_ASSERT_EQ(
	    ktest_thread_create(&t, try_unlock_foreign, &u, ABOVE_MAIN(1), 0, "foreign"), 0);
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
	KTEST_ASSERT_EQ(ktest_thread_create(&t, lock_and_hold, &u, ABOVE_MAIN(1), 0, "holder"), 0);
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
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&t[i], lock_forever, &u[i], ABOVE_MAIN(2), 0, "mw"), 0);
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

/* ---- the classic priority inversion */

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
	KTEST_ASSERT_EQ(ktest_thread_create(&tl, pi_low, NULL, low, 0, "pi-low"), 0);
	thread_yield();
	KTEST_ASSERT(mutex_owner(&pi_mutex) == tl);
	KTEST_ASSERT_EQ(ktest_thread_create(&th, pi_high, NULL, high, 0, "pi-high"), 0);
	thread_yield();
	KTEST_ASSERT(th->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(tl->rq_node.prio, (TEST_PRIO_INHERIT ? high : low));
	KTEST_ASSERT_EQ(ktest_thread_create(&tm, pi_medium, NULL, medium, 0, "pi-medium"), 0);
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

/* ---- transitive inheritance and deadlock detection */

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
	KTEST_ASSERT_EQ(ktest_thread_create(&t1, chain_t1, NULL, p1, 0, "chain1"), 0);
	thread_yield();
	KTEST_ASSERT_EQ(ktest_thread_create(&t2, chain_t2, NULL, p2, 0, "chain2"), 0);
	thread_yield();
	KTEST_ASSERT_EQ(t1->rq_node.prio, (TEST_PRIO_INHERIT ? p2 : p1));
	KTEST_ASSERT_EQ(ktest_thread_create(&t3, chain_t3, NULL, p3, 0, "chain3"), 0);
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
	KTEST_ASSERT_EQ(ktest_thread_create(&t, deadlock_partner, &u, ABOVE_MAIN(1), 0, "cycle"),
	                0);
	thread_yield();
	KTEST_ASSERT(t->state == THREAD_BLOCKED);
	KTEST_ASSERT_EQ(mutex_lock(&chain_a, FOREVER), -EDEADLK);
	KTEST_ASSERT_EQ(mutex_unlock(&chain_b), 0);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
	KTEST_ASSERT_EQ(u.result, 0);
}
