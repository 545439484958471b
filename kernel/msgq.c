// SPDX-License-Identifier: MIT
/* Message queues; see <bora/msgq.h>. State and waiters live under the scheduler lock. */
#include <bora/errno.h>
#include <bora/msgq.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/thread.h>

#define MSGQ_MAGIC 0x6d736771 /* "msgq" */

int msgq_init(struct msgq *q, void *buffer, size_t msg_size, uint32_t max_msgs)
{
	if (!q || !buffer || msg_size == 0 || max_msgs == 0 || msg_size > SIZE_MAX / max_msgs)
		return -EINVAL;
	q->buf = buffer;
	q->msg_size = msg_size;
	q->ring_bytes = msg_size * max_msgs;
	q->read_off = 0;
	q->write_off = 0;
	q->max_msgs = max_msgs;
	q->used = 0;
	q->word_copy = ((uintptr_t)buffer | msg_size) % 8 ? 0 : msg_size % 16 ? 1 : 2;
	wait_queue_init(&q->senders);
	wait_queue_init(&q->receivers);
	q->magic = MSGQ_MAGIC;
	return 0;
}

/* Advance a ring offset by one message. */
static inline size_t next_off(const struct msgq *q, size_t off)
{
	off += q->msg_size;
	return off == q->ring_bytes ? 0 : off;
}

/* Whole words when the queue and the caller's buffer allow (the fast paths' case), else bytes. */
static inline void copy_msg(const struct msgq *q, void *dst, const void *src)
{
	bool aligned = ((uintptr_t)dst | (uintptr_t)src) % 8 == 0;
	uint64_t *d = dst;
	const uint64_t *s = src, *end = (const uint64_t *)((const char *)src + q->msg_size);

	if (likely(q->word_copy == 2 && aligned)) {
		/* Two words a step: the loop's own instructions are half of a short copy's cost. */
		for (; s < end; s += 2, d += 2) {
			uint64_t a = s[0], b = s[1];

			d[0] = a;
			d[1] = b;
		}
	} else if (q->word_copy && aligned) {
		while (s < end)
			*d++ = *s++;
	} else {
		unsigned char *db = dst;
		const unsigned char *sb = src;

		for (size_t i = 0; i < q->msg_size; i++)
			db[i] = sb[i];
	}
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
		copy_msg(q, r->wait_data, msg);
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
 * checked.
 */
SCHED_FAST_PATH int msgq_put(struct msgq *q, const void *msg, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();

	if (likely(q->used < q->max_msgs && wait_queue_empty(&q->receivers) && msg)) {
		/* Read before the copy, whose stores the compiler must assume may alias q. */
		size_t off = q->write_off, next = next_off(q, off);

		copy_msg(q, q->buf + off, msg);
		q->write_off = next;
		q->used++;
		return sched_unlock_ret(flags, 0);
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

/* A slot just freed: it goes to the most urgent waiting sender, keeping FIFO order. */
static void __attribute__((noinline))
refill_from_sender(struct msgq *q, struct thread *s, unsigned long flags)
{
	copy_msg(q, q->buf + q->write_off, s->wait_data);
	q->write_off = next_off(q, q->write_off);
	q->used++;
	sched_wake_unlock(s, 0, flags);
}

SCHED_FAST_PATH int msgq_get(struct msgq *q, void *msg, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();
	struct thread *s;

	if (likely(q->used && msg)) {
		size_t off = q->read_off, next = next_off(q, off);

		copy_msg(q, msg, q->buf + off);
		q->read_off = next;
		q->used--;
		s = wait_queue_first(&q->senders);
		if (unlikely(s)) {
			refill_from_sender(q, s, flags);
			return 0;
		}
		return sched_unlock_ret(flags, 0);
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
