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

RUNQ_API void runq_init(struct runq *rq)
{
	for (unsigned int w = 0; w < RUNQ_WORDS; w++)
		rq->bitmap[w] = 0;
	for (unsigned int p = 0; p < CONFIG_NUM_PRIORITIES; p++)
		list_init(&rq->queues[p]);
	rq->count = 0;
}

/* The bitmap word of priority p: with one word (the default 32 priorities) no index to compute. */
static inline uint64_t *word_of(struct runq *rq, unsigned int p)
{
	return RUNQ_WORDS == 1 ? &rq->bitmap[0] : &rq->bitmap[p / 64];
}

static inline void mark(struct runq *rq, unsigned int p)
{
	*word_of(rq, p) |= 1ULL << (p % 64);
}

RUNQ_API void runq_add_tail(struct runq *rq, struct runq_node *n)
{
	list_add_tail(&rq->queues[n->prio], &n->link);
	mark(rq, n->prio);
	rq->count++;
}

RUNQ_API void runq_add_head(struct runq *rq, struct runq_node *n)
{
	list_add_head(&rq->queues[n->prio], &n->link);
	mark(rq, n->prio);
	rq->count++;
}

RUNQ_API void runq_remove(struct runq *rq, struct runq_node *n)
{
	unsigned int p = n->prio;

	list_del(&n->link);
	if (list_empty(&rq->queues[p]))
		*word_of(rq, p) &= ~(1ULL << (p % 64));
	rq->count--;
}

/* The best non-empty priority, or CONFIG_NUM_PRIORITIES when every queue is empty. */
static inline unsigned int best_prio(const struct runq *rq)
{
	for (unsigned int w = 0; w < RUNQ_WORDS; w++)
		if (rq->bitmap[w])
			return w * 64 + ctz64(rq->bitmap[w]);
	return CONFIG_NUM_PRIORITIES;
}

RUNQ_API struct runq_node *runq_peek(const struct runq *rq)
{
	unsigned int p = best_prio(rq);

	if (p == CONFIG_NUM_PRIORITIES)
		return NULL;
	return list_entry(rq->queues[p].next, struct runq_node, link);
}

RUNQ_API bool runq_has_prio_at_least(const struct runq *rq, unsigned int prio)
{
	unsigned int w = prio / 64;

	if (RUNQ_WORDS == 1) /* the default 32 priorities: one word */
		return (rq->bitmap[0] << (63 - prio)) != 0;
	/* Bits 0..prio of word w (shifted out of the top), and every word before it. */
	if (rq->bitmap[w] << (63 - prio % 64))
		return true;
	while (w-- > 0)
		if (rq->bitmap[w])
			return true;
	return false;
}

RUNQ_API struct runq_node *runq_pop(struct runq *rq)
{
	struct runq_node *n = runq_peek(rq);

	if (n)
		runq_remove(rq, n);
	return n;
}

RUNQ_API struct runq_node *runq_yield(struct runq *rq, struct runq_node *cur)
{
	unsigned int p = best_prio(rq);
	struct runq_node *n;

	if (p > cur->prio) /* CONFIG_NUM_PRIORITIES when empty */
		return NULL;
	n = list_entry(rq->queues[p].next, struct runq_node, link);
	if (p == cur->prio) {
		/* The common yield: rotate one queue; it stays non-empty, the bitmap stays. */
		list_del(&n->link);
		list_add_tail(&rq->queues[p], &cur->link);
		return n;
	}
	runq_remove(rq, n);
	runq_add_tail(rq, cur);
	return n;
}

RUNQ_API struct runq_node *runq_find(const struct runq *rq,
                                     bool (*ok)(const struct runq_node *n, void *ctx), void *ctx)
{
	for (unsigned int w = 0; w < RUNQ_WORDS; w++) {
		for (uint64_t bits = rq->bitmap[w]; bits; bits &= bits - 1) {
			const struct list_node *head = &rq->queues[w * 64 + ctz64(bits)];

			for (struct list_node *pos = head->next; pos != head; pos = pos->next) {
				struct runq_node *n = list_entry(pos, struct runq_node, link);

				if (ok(n, ctx))
					return n;
			}
		}
	}
	return NULL;
}

RUNQ_API int runq_validate(const struct runq *rq, char *why, size_t why_len)
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
