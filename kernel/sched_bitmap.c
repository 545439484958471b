// SPDX-License-Identifier: MIT
/*
 * CONFIG_SCHED_BITMAP: one FIFO list per priority and a bitmap with bit p set
 * while queue p holds a node. The next thread is the head of the queue of the
 * lowest set bit, found with count-trailing-zeros over at most
 * NUM_PRIORITIES / 64 words: constant time whatever the number of threads.
 */
#include <bora/sched_queue.h>

#if !defined(CONFIG_SCHED_SIMPLE)

#include <bora/bitops.h>
#include <bora/errno.h>

const char runq_kind_name[] = "bitmap";

void runq_init(struct runq *rq)
{
	for (unsigned int w = 0; w < RUNQ_WORDS; w++)
		rq->bitmap[w] = 0;
	for (unsigned int p = 0; p < CONFIG_NUM_PRIORITIES; p++)
		list_init(&rq->queues[p]);
	rq->count = 0;
}

static inline void mark(struct runq *rq, unsigned int p)
{
	rq->bitmap[p / 64] |= 1ULL << (p % 64);
}

void runq_add_tail(struct runq *rq, struct runq_node *n)
{
	list_add_tail(&rq->queues[n->prio], &n->link);
	mark(rq, n->prio);
	rq->count++;
}

void runq_add_head(struct runq *rq, struct runq_node *n)
{
	list_add_head(&rq->queues[n->prio], &n->link);
	mark(rq, n->prio);
	rq->count++;
}

void runq_remove(struct runq *rq, struct runq_node *n)
{
	unsigned int p = n->prio;

	list_del(&n->link);
	if (list_empty(&rq->queues[p]))
		rq->bitmap[p / 64] &= ~(1ULL << (p % 64));
	rq->count--;
}

struct runq_node *runq_peek(const struct runq *rq)
{
	for (unsigned int w = 0; w < RUNQ_WORDS; w++) {
		if (rq->bitmap[w]) {
			unsigned int p = w * 64 + (unsigned int)ffs64(rq->bitmap[w]);

			return list_entry(rq->queues[p].next, struct runq_node, link);
		}
	}
	return NULL;
}

int runq_validate(const struct runq *rq, char *why, size_t why_len)
{
	unsigned int n = 0;

	for (unsigned int p = 0; p < RUNQ_WORDS * 64; p++) {
		bool bit = (rq->bitmap[p / 64] >> (p % 64)) & 1;
		const struct list_node *head, *pos, *prev;

		if (p >= CONFIG_NUM_PRIORITIES) {
			if (bit)
				return validate_failed(why, why_len, "bit set past NUM_PRIORITIES");
			continue;
		}
		head = &rq->queues[p];
		if (bit == list_empty(head))
			return validate_failed(why, why_len, "bitmap disagrees with a queue");
		prev = head;
		for (pos = head->next; pos != head; prev = pos, pos = pos->next) {
			if (pos->prev != prev)
				return validate_failed(why, why_len, "broken back link");
			if (list_entry(pos, struct runq_node, link)->prio != p)
				return validate_failed(why, why_len,
				                       "node on another priority's queue");
			if (++n > rq->count)
				return validate_failed(why, why_len, "more nodes than count");
		}
		if (head->prev != prev)
			return validate_failed(why, why_len, "broken back link at a head");
	}
	if (n != rq->count)
		return validate_failed(why, why_len, "fewer nodes than count");
	return 0;
}

#endif /* !CONFIG_SCHED_SIMPLE */
