// SPDX-License-Identifier: MIT
/*
 * The timeout structure (kernel/timeout.c): red-black invariants after every
 * operation, expiry order (deadline, then arming order), cancel, re-arming
 * from a callback, periodic rounding, and a random-operation run against a
 * simple model (expiring through both entry points). TIMEOUT_SEED=<n> repeats a random run; the
 * seed is printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../kernel/timeout.c"
#include "xorshift.h"

/* ---- the timer driver, faked ---------------------------------------------------------------- */

static uint64_t fake_tick;
static uint64_t programmed = UINT64_MAX;
static unsigned notifications;

uint64_t timer_tick_ticks(void)
{
	return fake_tick;
}

void timer_next_deadline_changed(uint64_t deadline)
{
	programmed = deadline;
	notifications++;
}

/* ---- invariants ------------------------------------------------------------------------------ */

/* Black height of the subtree, or -1 on a broken rule; counts nodes into *n. */
static int check_subtree(const struct timeout *t, const struct timeout *parent, size_t *n)
{
	int lh, rh;

	if (!t)
		return 1;
	(*n)++;
	if (t->parent != parent || !t->pending)
		return -1;
	if (t->red && (is_red(t->left) || is_red(t->right)))
		return -1;
	if (t->left && !before(t->left, t))
		return -1;
	if (t->right && !before(t, t->right))
		return -1;
	lh = check_subtree(t->left, t, n);
	rh = check_subtree(t->right, t, n);
	if (lh < 0 || rh < 0 || lh != rh)
		return -1;
	return lh + (t->red ? 0 : 1);
}

static void assert_tree_valid(void)
{
	size_t n = 0;
	const struct timeout *min = tq.root;

	assert_false(is_red(tq.root));
	assert_true(check_subtree(tq.root, NULL, &n) > 0);
	assert_int_equal(n, tq.count);
	while (min && min->left)
		min = min->left;
	assert_ptr_equal(min, tq.first);
	assert_int_equal(timeout_next_deadline(), min ? min->deadline : UINT64_MAX);
}

static void reset(void)
{
	tq.root = tq.first = NULL;
	tq.count = 0;
	fake_tick = 0;
	programmed = UINT64_MAX;
	notifications = 0;
}

/* ---- fixed cases ------------------------------------------------------------------------------
 */

static struct timeout *fired[64];
static size_t nfired;

static void record(struct timeout *t)
{
	fired[nfired++] = t;
}

static void expiry_in_deadline_order(void **state)
{
	static const uint64_t deadlines[] = {50, 10, 40, 20, 30, 10, 60};
	struct timeout t[7] = {0};

	(void)state;
	reset();
	nfired = 0;
	for (size_t i = 0; i < 7; i++) {
		timeout_arm(&t[i], deadlines[i], record);
		assert_tree_valid();
	}
	assert_int_equal(programmed, 10);
	assert_int_equal(timeout_expire(9), 0);
	assert_int_equal(timeout_expire(30), 4);
	assert_tree_valid();
	/* Equal deadlines run in arming order: t[1] before t[5]. */
	assert_ptr_equal(fired[0], &t[1]);
	assert_ptr_equal(fired[1], &t[5]);
	assert_ptr_equal(fired[2], &t[3]);
	assert_ptr_equal(fired[3], &t[4]);
	assert_false(timeout_pending(&t[1]));
	assert_true(timeout_pending(&t[2]));
	assert_int_equal(timeout_next_deadline(), 40);
	assert_int_equal(timeout_expire(UINT64_MAX), 3);
	assert_ptr_equal(fired[4], &t[2]);
	assert_ptr_equal(fired[5], &t[0]);
	assert_ptr_equal(fired[6], &t[6]);
	assert_int_equal(timeout_count(), 0);
	assert_int_equal(timeout_next_deadline(), UINT64_MAX);
}

static void cancel_reports_pending(void **state)
{
	struct timeout a = {0}, b = {0};

	(void)state;
	reset();
	nfired = 0;
	assert_false(timeout_cancel(&a));
	timeout_arm(&a, 100, record);
	timeout_arm(&b, 200, record);
	assert_int_equal(programmed, 100);
	assert_true(timeout_cancel(&a));
	assert_int_equal(programmed, 200); /* the earliest moved: the driver heard */
	assert_false(timeout_cancel(&a));
	assert_tree_valid();
	assert_int_equal(timeout_expire(1000), 1);
	assert_ptr_equal(fired[0], &b);
	assert_int_equal(programmed, 200); /* expire leaves reprogramming to the driver */
}

static void rearm_moves(void **state)
{
	struct timeout a = {0}, b = {0};

	(void)state;
	reset();
	nfired = 0;
	timeout_arm(&a, 100, record);
	timeout_arm(&b, 150, record);
	timeout_arm(&a, 300, record);
	assert_int_equal(timeout_count(), 2);
	assert_int_equal(programmed, 150);
	assert_tree_valid();
	assert_int_equal(timeout_expire(299), 1);
	assert_ptr_equal(fired[0], &b);
	assert_int_equal(timeout_expire(300), 1);
	assert_ptr_equal(fired[1], &a);
}

static struct timeout periodic_t;
static unsigned periodic_runs;

static void rearm_self(struct timeout *t)
{
	periodic_runs++;
	if (periodic_runs < 5)
		timeout_arm(t, t->deadline + 10, rearm_self);
}

static void callback_may_rearm(void **state)
{
	(void)state;
	reset();
	periodic_runs = 0;
	timeout_arm(&periodic_t, 10, rearm_self);
	/* One expire call runs every deadline <= now, including ones armed meanwhile. */
	assert_int_equal(timeout_expire(35), 3);
	assert_int_equal(periodic_runs, 3);
	assert_true(timeout_pending(&periodic_t));
	assert_int_equal(periodic_t.deadline, 40);
	assert_int_equal(timeout_expire(1000), 2);
	assert_false(timeout_pending(&periodic_t));
}

static void periodic_rounds_up(void **state)
{
	struct timeout a = {0}, b = {0}, c = {0};

	(void)state;
	reset();
	fake_tick = 100;
	timeout_arm(&a, 1, record);
	timeout_arm(&b, 200, record);
	timeout_arm(&c, 201, record);
	assert_int_equal(a.deadline, 100);
	assert_int_equal(b.deadline, 200);
	assert_int_equal(c.deadline, 300);
	assert_int_equal(timeout_round_to_tick(UINT64_MAX - 5, 100), UINT64_MAX);
	assert_int_equal(timeout_round_to_tick(7, 0), 7);
}

/* ---- random operations against a model ---------------------------------------------------------
 */

#define NT 300

static struct timeout pool[NT];
static struct {
	bool pending;
	uint64_t deadline, order;
} model[NT];
static uint64_t model_order;
static int expect_next_fire;

static int model_min(uint64_t now)
{
	int best = -1;

	for (int i = 0; i < NT; i++)
		if (model[i].pending && model[i].deadline <= now &&
		    (best < 0 || model[i].deadline < model[best].deadline ||
		     (model[i].deadline == model[best].deadline &&
		      model[i].order < model[best].order)))
			best = i;
	return best;
}

static uint64_t expire_now;

static void model_fired(struct timeout *t)
{
	int i = (int)(t - pool);
	int want = model_min(expire_now);

	assert_int_equal(i, want);
	model[i].pending = false;
	expect_next_fire++;
	assert_false(timeout_pending(t));
}

static void random_ops_match_model(void **state)
{
	const char *env = getenv("TIMEOUT_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x7e57c0deULL;
	uint64_t now = 0;

	(void)state;
	if (seed == 0)
		seed = 1;
	printf("timeout random test seed: TIMEOUT_SEED=%#llx\n", (unsigned long long)seed);
	rng_state = seed;
	reset();
	memset(pool, 0, sizeof(pool));
	memset(model, 0, sizeof(model));
	for (int op = 0; op < 60000; op++) {
		unsigned r = (unsigned)(rng() % 100);
		int i = (int)(rng() % NT);

		if (r < 55) {
			/* Narrow deadline range: many ties. */
			uint64_t d = now + rng() % 500;

			timeout_arm(&pool[i], d, model_fired);
			model[i].pending = true;
			model[i].deadline = d;
			model[i].order = model_order++;
		} else if (r < 80) {
			assert_int_equal(timeout_cancel(&pool[i]), model[i].pending);
			model[i].pending = false;
		} else {
			int want = 0;

			now += rng() % 200;
			for (int k = 0; k < NT; k++)
				want += model[k].pending && model[k].deadline <= now;
			expire_now = now;
			expect_next_fire = 0;
			if (op & 1) {
				assert_int_equal(timeout_expire(now), want);
				/* What the driver does after expiring. */
				programmed = timeout_next_deadline();
			} else {
				/* The interrupt's form reports the earliest deadline left itself.
				 */
				programmed = timeout_expire_next(now);
				assert_int_equal(programmed, timeout_next_deadline());
			}
			assert_int_equal(expect_next_fire, want);
		}
		assert_tree_valid();
		/* The driver is always told the earliest deadline. */
		assert_int_equal(programmed, timeout_next_deadline());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(expiry_in_deadline_order),
	    cmocka_unit_test(cancel_reports_pending),
	    cmocka_unit_test(rearm_moves),
	    cmocka_unit_test(callback_may_rearm),
	    cmocka_unit_test(periodic_rounds_up),
	    cmocka_unit_test(random_ops_match_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
