// SPDX-License-Identifier: MIT
/* Message queues; see <bora/msgq.h>. State and waiters live under the scheduler lock. */
#include <bora/errno.h>
#include <bora/msgq.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/thread.h>

#define MSGQ_MAGIC 0x6d736771 /* "msgq" */

/*
 * How a queue copies its messages, chosen at msgq_init from the ring's
 * alignment and msg_size; the word classes also need the caller's buffer
 * word aligned, else that call copies bytes. QUADS is 0 so that the common
 * case costs one test.
 */
enum msgq_copy {
	COPY_QUADS, /* msg_size a multiple of 32: four words a step */
	COPY_PAIRS, /* a multiple of 16: two words a step */
	COPY_WORDS, /* a multiple of 8 */
	COPY_BYTES,
};

int msgq_init(struct msgq *q, void *buffer, size_t msg_size, uint32_t max_msgs)
{
	if (!q || !buffer || msg_size == 0 || max_msgs == 0 || msg_size > SIZE_MAX / max_msgs)
		return -EINVAL;
	q->buf = buffer;
	q->end = q->buf + msg_size * max_msgs;
	q->rd = q->buf;
	q->wr = q->buf;
	q->msg_size = msg_size;
	q->max_msgs = max_msgs;
	q->used = 0;
	if (((uintptr_t)buffer | msg_size) % 8)
		q->copy = COPY_BYTES;
	else
		q->copy = msg_size % 32 == 0   ? COPY_QUADS
		          : msg_size % 16 == 0 ? COPY_PAIRS
		                               : COPY_WORDS;
	wait_queue_init(&q->senders);
	wait_queue_init(&q->receivers);
	q->magic = MSGQ_MAGIC;
	return 0;
}

/* The slot after p in the ring. */
static inline char *next_slot(const struct msgq *q, char *p)
{
	p += q->msg_size;
	return p == q->end ? q->buf : p;
}

/* Any class, any buffers: the slow paths' copy. */
static void copy_any(const struct msgq *q, void *dst, const void *src)
{
	bool aligned = q->copy != COPY_BYTES && ((uintptr_t)dst | (uintptr_t)src) % 8 == 0;
	uint64_t *d = dst;
	const uint64_t *s = src, *end = (const uint64_t *)((const char *)src + q->msg_size);

	if (aligned && q->copy <= COPY_PAIRS) {
		do {
			uint64_t a = s[0], b = s[1];

			d[0] = a;
			d[1] = b;
			s += 2;
			d += 2;
		} while (s < end);
	} else if (aligned) {
		do
			*d++ = *s++;
		while (s < end);
	} else {
		unsigned char *db = dst;
		const unsigned char *sb = src;

		for (size_t i = 0; i < q->msg_size; i++)
			db[i] = sb[i];
	}
}

/*
 * The fast paths' copy, four words a step, when the queue's class is
 * COPY_QUADS (so the slot is word aligned) and the caller's buffer is word
 * aligned too; else false, and the caller takes its slow path. The caller's
 * buffer is src (put) or dst (get); the loop ends on its end, as a slot's end
 * is the next slot, which the caller keeps apart (it wraps).
 */
static inline __attribute__((always_inline)) bool copy_quads(const struct msgq *q, void *dst,
                                                             const void *src, const bool put)
{
	const void *user = put ? src : dst;
	uint64_t *d = dst;
	const uint64_t *s = src, *end = (const uint64_t *)((const char *)user + q->msg_size);

	if (unlikely((q->copy | ((uintptr_t)user % 8)) != 0))
		return false;
	do {
		uint64_t a = s[0], b = s[1], c = s[2], e = s[3];

		d[0] = a;
		d[1] = b;
		d[2] = c;
		d[3] = e;
		s += 4;
		d += 4;
	} while ((put ? s : (const uint64_t *)d) < end);
	return true;
}

static int check_wait(k_timeout_t timeout)
{
	if (timeout_is_no_wait(timeout))
		return -EAGAIN;
	if (in_interrupt())
		return -EIRQCTX;
	return 0;
}

static int __attribute__((noinline))
msgq_put_slow(struct msgq *q, const void *msg, k_timeout_t timeout, unsigned long flags)
{
	struct thread *r;
	int err;

	if (q->magic != MSGQ_MAGIC || !msg) {
		err = -EINVAL;
	} else if ((r = wait_queue_first(&q->receivers)) != NULL) {
		/* A waiting receiver means the ring is empty: straight into its buffer. */
		copy_any(q, r->wait_data, msg);
		return sched_wake_unlock(r, 0, flags);
	} else if ((err = check_wait(timeout)) == 0) {
		/* Full. A receiver copies the message from here when a slot frees. */
		thread_current()->wait_data = (void *)msg;
		return sched_block(&q->senders, "msgq-put", timeout, flags);
	}
	sched_unlock(flags);
	return err;
}

/*
 * The fast paths test only used and max_msgs (and the waiters): a destroyed
 * queue has both at 0, so it always takes the slow path, where the magic is
 * checked. Neither wakes anyone, so neither looks for a switch on the way out.
 */
/* msgq_put into the ring, with a copy other than the fast path's. */
static int __attribute__((noinline)) put_ring(struct msgq *q, const void *msg, unsigned long flags)
{
	copy_any(q, q->wr, msg);
	q->wr = next_slot(q, q->wr);
	q->used++;
	return sched_unlock_nowake_ret(flags, 0);
}

SCHED_FAST_PATH int msgq_put(struct msgq *q, const void *msg, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();

	if (likely(q->used < q->max_msgs && wait_queue_empty(&q->receivers) && msg)) {
		/* Read before the copy, whose stores the compiler must assume may alias q. */
		char *slot = q->wr, *next = next_slot(q, slot);

		if (unlikely(!copy_quads(q, slot, msg, true)))
			return put_ring(q, msg, flags);
		q->wr = next;
		q->used++;
		return sched_unlock_nowake_ret(flags, 0);
	}
	return msgq_put_slow(q, msg, timeout, flags);
}

static int __attribute__((noinline))
msgq_get_slow(struct msgq *q, void *msg, k_timeout_t timeout, unsigned long flags)
{
	int err;

	if (q->magic != MSGQ_MAGIC || !msg) {
		err = -EINVAL;
	} else if ((err = check_wait(timeout)) == 0) {
		thread_current()->wait_data = msg; /* a sender copies into it */
		return sched_block(&q->receivers, "msgq-get", timeout, flags);
	}
	sched_unlock(flags);
	return err;
}

/*
 * A slot just freed: in a full queue it goes to the most urgent waiting
 * sender, if any, keeping FIFO order (senders wait only while the queue is
 * full). `was_full` is whether the queue was full before this get.
 */
static int __attribute__((noinline))
refill_from_sender(struct msgq *q, bool was_full, unsigned long flags)
{
	struct thread *s;

	if (!was_full || (s = wait_queue_first(&q->senders)) == NULL)
		return sched_unlock_nowake_ret(flags, 0);
	copy_any(q, q->wr, s->wait_data);
	q->wr = next_slot(q, q->wr);
	q->used++;
	return sched_wake_unlock(s, 0, flags);
}

/* msgq_get from the ring, with a copy other than the fast path's. */
static int __attribute__((noinline)) get_ring(struct msgq *q, void *msg, unsigned long flags)
{
	bool was_full = q->used == q->max_msgs;

	copy_any(q, msg, q->rd);
	q->rd = next_slot(q, q->rd);
	q->used--;
	return refill_from_sender(q, was_full, flags);
}

SCHED_FAST_PATH int msgq_get(struct msgq *q, void *msg, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();
	uint32_t used = q->used;

	if (likely(used && msg)) {
		char *slot = q->rd, *next = next_slot(q, slot);

		if (unlikely(!copy_quads(q, msg, slot, false)))
			return get_ring(q, msg, flags);
		q->rd = next;
		q->used = used - 1;
		if (unlikely(used == q->max_msgs))
			return refill_from_sender(q, true, flags);
		return sched_unlock_nowake_ret(flags, 0);
	}
	return msgq_get_slow(q, msg, timeout, flags);
}

uint32_t msgq_used(const struct msgq *q)
{
	return __atomic_load_n(&q->used, __ATOMIC_RELAXED);
}

int msgq_destroy(struct msgq *q)
{
	unsigned long flags = sched_lock();
	int n;

	if (q->magic != MSGQ_MAGIC) {
		sched_unlock(flags);
		return -EINVAL;
	}
	n = wait_queue_wake_all(&q->senders, -ECANCELED);
	n += wait_queue_wake_all(&q->receivers, -ECANCELED);
	q->magic = 0;
	q->used = 0;
	q->max_msgs = 0;
	sched_unlock(flags);
	return n;
}
