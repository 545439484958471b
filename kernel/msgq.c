// SPDX-License-Identifier: MIT
/* Message queues; see <bora/msgq.h>. State and waiters live under the scheduler lock. */
#include <bora/errno.h>
#include <bora/msgq.h>
#include <bora/percpu.h>
#include <bora/sched.h>
#include <bora/string.h>
#include <bora/thread.h>

#define MSGQ_MAGIC 0x6d736771 /* "msgq" */

int msgq_init(struct msgq *q, void *buffer, size_t msg_size, uint32_t max_msgs)
{
	if (!q || !buffer || msg_size == 0 || max_msgs == 0 || msg_size > SIZE_MAX / max_msgs)
		return -EINVAL;
	q->buf = buffer;
	q->msg_size = msg_size;
	q->max_msgs = max_msgs;
	q->used = 0;
	q->head = 0;
	wait_queue_init(&q->senders);
	wait_queue_init(&q->receivers);
	q->magic = MSGQ_MAGIC;
	return 0;
}

static char *slot(const struct msgq *q, uint32_t i)
{
	return q->buf + (size_t)(i % q->max_msgs) * q->msg_size;
}

static int check_wait(k_timeout_t timeout)
{
	if (timeout_is_no_wait(timeout))
		return -EAGAIN;
	if (in_interrupt())
		return -EIRQCTX;
	return 0;
}

int msgq_put(struct msgq *q, const void *msg, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();
	struct thread *r;
	int err = 0;

	if (q->magic != MSGQ_MAGIC || !msg) {
		err = -EINVAL;
	} else if ((r = wait_queue_first(&q->receivers)) != NULL) {
		/* A waiting receiver means the ring is empty: straight into its buffer. */
		memcpy(r->wait_data, msg, q->msg_size);
		sched_wake(r, 0);
	} else if (q->used < q->max_msgs) {
		memcpy(slot(q, q->head + q->used), msg, q->msg_size);
		q->used++;
	} else if ((err = check_wait(timeout)) == 0) {
		struct thread *cur = thread_current();

		cur->wait_data = (void *)msg; /* a receiver copies it when a slot frees */
		return sched_block(&q->senders, "msgq-put", timeout, flags);
	}
	sched_unlock(flags);
	return err;
}

int msgq_get(struct msgq *q, void *msg, k_timeout_t timeout)
{
	unsigned long flags = sched_lock();
	struct thread *s;
	int err = 0;

	if (q->magic != MSGQ_MAGIC || !msg) {
		err = -EINVAL;
	} else if (q->used) {
		memcpy(msg, slot(q, q->head), q->msg_size);
		q->head = (q->head + 1) % q->max_msgs;
		q->used--;
		s = wait_queue_first(&q->senders);
		if (s) {
			/* The freed slot goes to the most urgent sender, keeping FIFO order. */
			memcpy(slot(q, q->head + q->used), s->wait_data, q->msg_size);
			q->used++;
			sched_wake(s, 0);
		}
	} else if ((err = check_wait(timeout)) == 0) {
		struct thread *cur = thread_current();

		cur->wait_data = msg; /* a sender copies into it */
		return sched_block(&q->receivers, "msgq-get", timeout, flags);
	}
	sched_unlock(flags);
	return err;
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
	sched_unlock(flags);
	return n;
}
