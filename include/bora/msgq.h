/* SPDX-License-Identifier: MIT */
/*
 * Message queue: a ring of max_msgs messages of msg_size bytes each in a
 * buffer the caller provides (msg_size * max_msgs bytes). Messages are
 * copied in and out, first in first out. A sender that finds a receiver
 * waiting copies straight into the receiver's buffer; a receiver that frees
 * a slot pulls in the message of the most urgent waiting sender. Put and
 * get work from interrupt handlers with NO_WAIT.
 *
 * Errors (negative): EINVAL bad arguments or a destroyed queue; EAGAIN
 * NO_WAIT and the queue is full (put) or empty (get); ETIMEDOUT the timeout
 * passed; ECANCELED the queue was destroyed while waiting; EIRQCTX a
 * blocking call from an interrupt handler.
 */
#ifndef BORA_MSGQ_H
#define BORA_MSGQ_H

#include <bora/types.h>
#include <bora/wait.h>

struct msgq {
	struct wait_queue receivers; /* first: the put fast path compares its head with q */
	char *buf;
	char *end; /* buf + msg_size * max_msgs */
	char *rd;  /* the oldest message */
	char *wr;  /* the next free slot */
	size_t msg_size;
	uint32_t max_msgs;
	uint32_t used;
	uint8_t copy; /* how messages are copied (kernel/msgq.c, enum msgq_copy) */
	struct wait_queue senders;
	uint32_t magic;
};

/* msg_size >= 1, max_msgs >= 1, buffer of msg_size * max_msgs bytes; else -EINVAL. */
int msgq_init(struct msgq *q, void *buffer, size_t msg_size, uint32_t max_msgs);
int msgq_put(struct msgq *q, const void *msg, k_timeout_t timeout);
int msgq_get(struct msgq *q, void *msg, k_timeout_t timeout);
uint32_t msgq_used(const struct msgq *q);

/* Wake every sender and receiver with -ECANCELED; unusable until msgq_init. Waiters woken. */
int msgq_destroy(struct msgq *q);

#endif
