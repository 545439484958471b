// SPDX-License-Identifier: MIT
/*
 * The scheduler's ready queue (include/bora/sched_queue.h), built once per
 * kind (tests/unit/sched.mk): priority order, FIFO within a priority, head
 * insertion for preempted threads, the validator catching broken state, and
 * random operations checked against a model (seed printed; BORA_SEED=<n>
 * replays one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "xorshift.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <bora/errno.h>
#include <bora/sched_queue.h>

#define NODES 300

static struct runq rq;
static struct runq_node nodes[NODES];

static void assert_valid(const struct runq *q)
{
	char why[96] = "";

	if (runq_validate(q, why, sizeof(why)))
		fail_msg("runq_validate (%s): %s", RUNQ_KIND_NAME, why);
}

static struct runq_node *pop(void)
{
	struct runq_node *n = runq_peek(&rq);

	if (n)
		runq_remove(&rq, n);
	assert_valid(&rq);
	return n;
}

static void node_set(struct runq_node *n, unsigned int prio)
{
	list_init(&n->link);
	n->prio = prio;
}

static void empty_queue_has_nothing_to_run(void **state)
{
	(void)state;
	runq_init(&rq);
	assert_valid(&rq);
	assert_true(runq_empty(&rq));
	assert_null(runq_peek(&rq));
}

static void strict_priority_order(void **state)
{
	static const unsigned int prios[] = {7, 3, CONFIG_NUM_PRIORITIES - 1, 0, 12, 1, 3, 0};
	unsigned int last = 0;

	(void)state;
	runq_init(&rq);
	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		node_set(&nodes[i], prios[i] % CONFIG_NUM_PRIORITIES);
		runq_add_tail(&rq, &nodes[i]);
		assert_valid(&rq);
	}
	assert_int_equal(rq.count, sizeof(prios) / sizeof(prios[0]));
	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		struct runq_node *n = pop();

		assert_non_null(n);
		assert_true(n->prio >= last);
		last = n->prio;
	}
	assert_null(pop());
}

static void fifo_within_a_priority_and_head_insertion(void **state)
{
	unsigned int p = CONFIG_NUM_PRIORITIES / 2;

	(void)state;
	runq_init(&rq);
	for (int i = 0; i < 5; i++) {
		node_set(&nodes[i], p);
		runq_add_tail(&rq, &nodes[i]);
	}
	/* A preempted thread goes back ahead of its equals, behind higher priorities. */
	node_set(&nodes[5], p);
	node_set(&nodes[6], p - 1);
	node_set(&nodes[7], p + 1);
	runq_add_tail(&rq, &nodes[7]);
	runq_add_tail(&rq, &nodes[6]);
	runq_add_head(&rq, &nodes[5]);
	assert_valid(&rq);
	assert_ptr_equal(pop(), &nodes[6]);
	assert_ptr_equal(pop(), &nodes[5]);
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(pop(), &nodes[i]);
	assert_ptr_equal(pop(), &nodes[7]);
	assert_true(runq_empty(&rq));
}

static void removal_from_the_middle_keeps_the_order(void **state)
{
	(void)state;
	runq_init(&rq);
	for (int i = 0; i < 6; i++) {
		node_set(&nodes[i], (unsigned int)(i / 2));
		runq_add_tail(&rq, &nodes[i]);
	}
	runq_remove(&rq, &nodes[2]); /* first of priority 1 */
	runq_remove(&rq, &nodes[1]); /* last of priority 0 */
	assert_valid(&rq);
	assert_ptr_equal(pop(), &nodes[0]);
	assert_ptr_equal(pop(), &nodes[3]);
	assert_ptr_equal(pop(), &nodes[4]);
	assert_ptr_equal(pop(), &nodes[5]);
	assert_null(pop());
}

static void yield_rotates_only_for_equal_or_better(void **state)
{
	struct runq_node cur;

	(void)state;
	runq_init(&rq);
	node_set(&cur, 5);
	assert_null(runq_yield(&rq, &cur)); /* nothing else ready */
	node_set(&nodes[0], 6);
	runq_add_tail(&rq, &nodes[0]);
	assert_null(runq_yield(&rq, &cur)); /* only a lower priority */
	assert_int_equal(rq.count, 1);
	node_set(&nodes[1], 5);
	node_set(&nodes[2], 5);
	runq_add_tail(&rq, &nodes[1]);
	runq_add_tail(&rq, &nodes[2]);
	assert_ptr_equal(runq_yield(&rq, &cur), &nodes[1]); /* cur goes behind nodes[2] */
	assert_valid(&rq);
	assert_int_equal(rq.count, 3);
	node_set(&nodes[3], 2);
	runq_add_tail(&rq, &nodes[3]);
	/* nodes[1] runs now; a better thread is ready (cooperative builds allow that). */
	assert_ptr_equal(runq_yield(&rq, &nodes[1]), &nodes[3]);
	assert_valid(&rq);
	assert_ptr_equal(runq_pop(&rq), &nodes[2]);
	assert_ptr_equal(runq_pop(&rq), &cur);
	assert_ptr_equal(runq_pop(&rq), &nodes[1]);
	assert_ptr_equal(runq_pop(&rq), &nodes[0]);
	assert_null(runq_pop(&rq));
	assert_valid(&rq);
}

/* Accepts nodes whose index in nodes[] is odd (an idle hart skipping threads it may not run). */
static bool odd_index(const struct runq_node *n, void *ctx)
{
	(void)ctx;
	return (n - nodes) % 2 == 1;
}

static bool never(const struct runq_node *n, void *ctx)
{
	(void)n;
	(void)ctx;
	return false;
}

static void find_returns_the_first_match_in_run_order(void **state)
{
	/* Run order: nodes[4] (prio 1), [2] and [3] (prio 2, FIFO), [0] (4), [1] (9). */
	static const unsigned int prios[] = {4, 9, 2, 2, 1};

	(void)state;
	runq_init(&rq);
	assert_null(runq_find(&rq, odd_index, NULL));
	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		node_set(&nodes[i], prios[i] % CONFIG_NUM_PRIORITIES);
		runq_add_tail(&rq, &nodes[i]);
	}
	assert_ptr_equal(runq_find(&rq, odd_index, NULL), &nodes[3]);
	assert_null(runq_find(&rq, never, NULL));
	assert_int_equal(rq.count, 5); /* nothing removed */
	runq_remove(&rq, &nodes[3]);
	assert_ptr_equal(runq_find(&rq, odd_index, NULL), &nodes[1]);
	assert_valid(&rq);
}

static void validator_catches_broken_state(void **state)
{
	struct list_node *saved;
	char why[96];

	(void)state;
	runq_init(&rq);
	for (int i = 0; i < 4; i++) {
		node_set(&nodes[i], (unsigned int)(3 - i));
		runq_add_tail(&rq, &nodes[i]);
	}
	assert_valid(&rq);
	rq.count++;
	assert_int_equal(runq_validate(&rq, why, sizeof(why)), -ECORRUPT);
	rq.count--;
	/* A priority changed while queued (what the scheduler must never do). */
	nodes[1].prio = CONFIG_NUM_PRIORITIES - 1;
	assert_int_equal(runq_validate(&rq, why, sizeof(why)), -ECORRUPT);
	nodes[1].prio = 2;
	assert_valid(&rq);
	saved = nodes[2].link.prev;
	nodes[2].link.prev = &nodes[0].link;
	assert_int_equal(runq_validate(&rq, why, sizeof(why)), -ECORRUPT);
	nodes[2].link.prev = saved;
#ifndef CONFIG_SCHED_SIMPLE
	rq.bitmap[0] ^= 1ULL << 5 % CONFIG_NUM_PRIORITIES;
	assert_int_equal(runq_validate(&rq, why, sizeof(why)), -ECORRUPT);
	rq.bitmap[0] ^= 1ULL << 5 % CONFIG_NUM_PRIORITIES;
#endif
	assert_valid(&rq);
}

/* Model: every queued node has a key (prio, order); the smallest key runs next. */
static long long order_of[NODES];
static bool queued[NODES];

static int model_next(void)
{
	int best = -1;

	for (int i = 0; i < NODES; i++) {
		if (!queued[i])
			continue;
		if (best < 0 || nodes[i].prio < nodes[best].prio ||
		    (nodes[i].prio == nodes[best].prio && order_of[i] < order_of[best]))
			best = i;
	}
	return best;
}

static void random_operations_match_the_model(void **state)
{
	const char *env = getenv("BORA_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
	long long tail_seq = 0, head_seq = 0;
	int count = 0;

	(void)state;
	printf("sched_queue (%s, %d priorities): seed %llu (BORA_SEED=%llu replays it)\n",
	       RUNQ_KIND_NAME, CONFIG_NUM_PRIORITIES, (unsigned long long)seed,
	       (unsigned long long)seed);
	rng_state = seed ? seed : 1;
	runq_init(&rq);
	for (int i = 0; i < NODES; i++)
		queued[i] = false;
	for (int step = 0; step < 200000; step++) {
		int i = (int)(rng() % NODES), expect, op = (int)(rng() % 5);
		struct runq_node *n;

		if (!queued[i] && op < 3) {
			/* Few priorities in play, so FIFO order matters often. */
			unsigned int span = rng() % 2 ? 4 : CONFIG_NUM_PRIORITIES;

			node_set(&nodes[i], (unsigned int)(rng() % span));
			if (op == 0) {
				runq_add_head(&rq, &nodes[i]);
				order_of[i] = --head_seq;
			} else {
				runq_add_tail(&rq, &nodes[i]);
				order_of[i] = ++tail_seq;
			}
			queued[i] = true;
			count++;
		} else if (queued[i] && op == 3) {
			runq_remove(&rq, &nodes[i]);
			queued[i] = false;
			count--;
		} else if (!queued[i] && op == 4) {
			/* i is the running thread and yields. */
			node_set(&nodes[i], (unsigned int)(rng() % CONFIG_NUM_PRIORITIES));
			expect = model_next();
			n = runq_yield(&rq, &nodes[i]);
			if (expect < 0 || nodes[expect].prio > nodes[i].prio) {
				assert_null(n);
			} else {
				assert_ptr_equal(n, &nodes[expect]);
				queued[expect] = false;
				queued[i] = true;
				order_of[i] = ++tail_seq;
			}
		} else if (op == 3) {
			expect = model_next();
			n = runq_peek(&rq);
			if (expect < 0) {
				assert_null(n);
			} else {
				assert_ptr_equal(n, &nodes[expect]);
				runq_remove(&rq, n);
				queued[expect] = false;
				count--;
			}
		}
		assert_int_equal(rq.count, count);
		expect = model_next();
		{
			unsigned int p = (unsigned int)(rng() % CONFIG_NUM_PRIORITIES);

			assert_int_equal(runq_has_prio_at_least(&rq, p),
			                 expect >= 0 && nodes[expect].prio <= p);
		}
		if (expect < 0)
			assert_null(runq_peek(&rq));
		else if (runq_peek(&rq) != &nodes[expect])
			fail_msg("step %d: queue runs prio %u next, the model node %d of prio %u "
			         "(seed %llu)",
			         step, runq_peek(&rq)->prio, expect, nodes[expect].prio,
			         (unsigned long long)seed);
		if (step % 64 == 0)
			assert_valid(&rq);
	}
	assert_valid(&rq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_queue_has_nothing_to_run),
	    cmocka_unit_test(strict_priority_order),
	    cmocka_unit_test(fifo_within_a_priority_and_head_insertion),
	    cmocka_unit_test(removal_from_the_middle_keeps_the_order),
	    cmocka_unit_test(yield_rotates_only_for_equal_or_better),
	    cmocka_unit_test(find_returns_the_first_match_in_run_order),
	    cmocka_unit_test(validator_catches_broken_state),
	    cmocka_unit_test(random_operations_match_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
