// SPDX-License-Identifier: MIT
/*
 * Message queues (suite "sync", beside test_sync.c's semaphores): FIFO order, full
 * and empty, exact copies of every message size, and hand-over to waiting
 * receivers and senders. Waiting threads run above main's priority, as in
 * test_sync.c.
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/msgq.h>
#include <bora/thread.h>

#include "sched_util.h"

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
	KTEST_ASSERT_EQ(ktest_thread_create(&tg, q_getter, &g, ABOVE_MAIN(1), 0, "getter"), 0);
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
		KTEST_ASSERT_EQ(
		    ktest_thread_create(&tp[i], q_putter, &p[i], ABOVE_MAIN(1), 0, "putter"), 0);
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
	KTEST_ASSERT_EQ(ktest_thread_create(&tg, q_getter, &g, ABOVE_MAIN(1), 0, "getter"), 0);
	thread_yield();
	KTEST_ASSERT_EQ(msgq_destroy(&q), 1);
	KTEST_ASSERT_EQ(thread_join(tg, FOREVER), 0);
	KTEST_ASSERT_EQ(g.result, -ECANCELED);
	slicing_default();
}
