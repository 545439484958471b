/* SPDX-License-Identifier: MIT */
/*
 * Timeouts: callbacks that run when the time CSR reaches an absolute deadline.
 *
 * A struct timeout is embedded in its owner (a thread, a timer, a test) and
 * costs no allocation. Pending timeouts live in a red-black tree ordered by
 * (deadline, arming order) with a pointer to its leftmost node (kernel/timeout.c):
 * arm and cancel are O(log n); expiry takes the leftmost node, which has no
 * left child and at most one red leaf on its right, so finding the next one
 * is O(1) and the removal's rebalancing is O(1) amortised (Tarjan, "Data
 * Structures and Network Algorithms", SIAM 1983, chapter 4).
 *
 * `fn` runs from the timer interrupt with interrupts off and the structure
 * unlocked, so it may re-arm its own or any other timeout. Timeouts with equal
 * deadlines expire in the order they were armed.
 *
 * In periodic-tick mode (CONFIG_TICKLESS_KERNEL=n) a deadline is rounded up to
 * the next tick boundary (a multiple of timer_tick_ticks()); tickless mode
 * programs the timer for the earliest deadline itself.
 */
#ifndef BORA_TIMEOUT_H
#define BORA_TIMEOUT_H

#include <bora/types.h>

struct timeout {
	uint64_t deadline; /* absolute, in time-CSR ticks (after rounding) */
	void (*fn)(struct timeout *t);
	struct timeout *parent, *left, *right; /* tree links; private */
	uint64_t seq;                          /* arming order among equal deadlines; private */
	bool red;                              /* private */
	bool pending;
};

/*
 * Arm `t` to run `fn(t)` at the first timer interrupt at or after
 * `deadline_abs_ticks`. Re-arming a pending timeout moves it. A deadline in
 * the past runs at the next timer interrupt, which is programmed at once.
 */
void timeout_arm(struct timeout *t, uint64_t deadline_abs_ticks, void (*fn)(struct timeout *t));

/* Disarm `t`; true if it was pending (its fn will not run), false otherwise. */
bool timeout_cancel(struct timeout *t);

bool timeout_pending(const struct timeout *t);

/* ---- for the timer driver ----------------------------------------------------------------- */

/* Earliest pending deadline, UINT64_MAX when none. */
uint64_t timeout_next_deadline(void);

/*
 * Run every timeout whose deadline is <= now, earliest first, and return how
 * many ran. Called from the timer interrupt.
 */
unsigned int timeout_expire(uint64_t now);

/*
 * The timer interrupt's form, interrupts off: as timeout_expire, returning
 * the earliest deadline still pending (UINT64_MAX: none) instead, as found
 * when nothing more was due, so the handler needs no second look.
 */
uint64_t timeout_expire_next(uint64_t now);

/* Number of pending timeouts (for tests and the shell). */
size_t timeout_count(void);

/*
 * Provided by the timer driver (a fake in host tests): the earliest pending
 * deadline changed to `deadline` (UINT64_MAX: none), reprogram if needed.
 * Called with the timeout lock held and interrupts off.
 */
void timer_next_deadline_changed(uint64_t deadline);

/* Periodic mode's rounding: `deadline` up to a multiple of `tick` (tick 0: unchanged). */
static inline uint64_t timeout_round_to_tick(uint64_t deadline, uint64_t tick)
{
	uint64_t rem;

	if (tick == 0)
		return deadline;
	rem = deadline % tick;
	if (rem == 0)
		return deadline;
	return deadline > UINT64_MAX - (tick - rem) ? UINT64_MAX : deadline + (tick - rem);
}

#endif
