// SPDX-License-Identifier: MIT
/*
 * The ticket spinlock on the host: mutual exclusion with many threads, exact
 * counts, trylock, and first-come first-served order of waiters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include <bora/spinlock.h>

#define THREADS 8
#define ROUNDS  20000

static spinlock_t lock = SPINLOCK_INIT;
static unsigned long counter, inside, violations;

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&lock);
		if (++inside != 1)
			violations++;
		counter++;
		inside--;
		spin_unlock(&lock);
	}
	return NULL;
}

static void counts_are_exact_under_contention(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(violations, 0);
	assert_int_equal(counter, (unsigned long)THREADS * ROUNDS);
	assert_false(spin_is_locked(&lock));
	assert_int_equal(lock.ticket.owner, lock.ticket.next);
}

static void trylock_takes_only_a_free_lock(void **state)
{
	spinlock_t l = SPINLOCK_INIT;

	(void)state;
	assert_true(spin_trylock(&l));
	assert_true(spin_is_locked(&l));
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
	assert_int_equal(l.ticket.owner, 2);
}

/* Tickets wrap at 2^32 like any other value. */
static void tickets_wrap_around(void **state)
{
	spinlock_t l = SPINLOCK_INIT;

	(void)state;
	l.ticket.owner = l.ticket.next = UINT32_MAX;
	spin_lock(&l);
	assert_int_equal(l.ticket.next, 0);
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_int_equal(l.ticket.owner, 0);
	assert_false(spin_is_locked(&l));
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
}

static spinlock_t fifo_lock = SPINLOCK_INIT;
static int order[THREADS], served;

static void *queue_up(void *arg)
{
	spin_lock(&fifo_lock);
	order[served++] = (int)(intptr_t)arg;
	spin_unlock(&fifo_lock);
	return NULL;
}

/* Waiters that took their tickets in a known order are served in that order. */
static void waiters_are_served_in_arrival_order(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	served = 0;
	spin_lock(&fifo_lock);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, queue_up, (void *)(intptr_t)i), 0);
		/* Thread i has its ticket once `next` moved past it. */
		while (__atomic_load_n(&fifo_lock.ticket.next, __ATOMIC_ACQUIRE) != (uint32_t)i + 2)
			sched_yield();
	}
	spin_unlock(&fifo_lock);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(served, THREADS);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(order[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counts_are_exact_under_contention),
	    cmocka_unit_test(trylock_takes_only_a_free_lock),
	    cmocka_unit_test(tickets_wrap_around),
	    cmocka_unit_test(waiters_are_served_in_arrival_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
