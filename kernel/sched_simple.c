// SPDX-License-Identifier: MIT
/*
 * CONFIG_SCHED_SIMPLE: the ready queue as one list sorted by priority, FIFO
 * within a priority. Adding walks to the first node of a lower priority; the
 * next thread is always the head. Small and cache-friendly while few threads
 * are ready, which is the common case on a small system.
 */
#include <bora/sched_queue.h>

#ifdef CONFIG_SCHED_SIMPLE

#include <bora/errno.h>

RUNQ_API void runq_init(struct runq *rq)
{
	list_init(&rq->list);
	rq->count = 0;
}

/* The first node that must come after a node of priority p added at the tail of p. */
static struct list_node *first_after(struct runq *rq, unsigned int p, bool before_equals)
{
	struct list_node *pos;

	list_for_each(pos, &rq->list)
	{
		unsigned int q = list_entry(pos, struct runq_node, link)->prio;

		if (q > p || (before_equals && q == p))
			return pos;
	}
	return &rq->list;
}

RUNQ_API void runq_add_tail(struct runq *rq, struct runq_node *n)
{
	list_insert_before(&n->link, first_after(rq, n->prio, false));
	rq->count++;
}

RUNQ_API void runq_add_head(struct runq *rq, struct runq_node *n)
{
	list_insert_before(&n->link, first_after(rq, n->prio, true));
	rq->count++;
}

RUNQ_API void runq_remove(struct runq *rq, struct runq_node *n)
{
	list_del(&n->link);
	rq->count--;
}

RUNQ_API struct runq_node *runq_peek(const struct runq *rq)
{
	struct list_node *first = list_first(&rq->list);

	return first ? list_entry(first, struct runq_node, link) : NULL;
}

RUNQ_API bool runq_has_prio_at_least(const struct runq *rq, unsigned int prio)
{
	struct runq_node *n = runq_peek(rq);

	return n && n->prio <= prio;
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
	struct runq_node *n = runq_peek(rq);

	if (!n || n->prio > cur->prio)
		return NULL;
	runq_remove(rq, n);
	runq_add_tail(rq, cur);
	return n;
}

RUNQ_API struct runq_node *runq_find(const struct runq *rq,
                                     bool (*ok)(const struct runq_node *n, void *ctx), void *ctx)
{
	for (struct list_node *pos = rq->list.next; pos != &rq->list; pos = pos->next) {
		struct runq_node *n = list_entry(pos, struct runq_node, link);

		if (ok(n, ctx))
			return n;
	}
	return NULL;
}

RUNQ_API int runq_validate(const struct runq *rq, char *why, size_t why_len)
{
	const struct list_node *pos, *prev = &rq->list;
	unsigned int last = 0, n = 0;

	for (pos = rq->list.next; pos != &rq->list; prev = pos, pos = pos->next) {
		unsigned int p = list_entry(pos, struct runq_node, link)->prio;

		if (pos->prev != prev)
			return validate_failed(why, why_len, "broken back link");
		if (p >= CONFIG_NUM_PRIORITIES)
			return validate_failed(why, why_len, "priority out of range");
		if (p < last)
			return validate_failed(why, why_len, "list not in priority order");
		last = p;
		if (++n > rq->count)
			return validate_failed(why, why_len, "more nodes than count");
	}
	if (rq->list.prev != prev)
		return validate_failed(why, why_len, "broken back link at the head");
	if (n != rq->count)
		return validate_failed(why, why_len, "fewer nodes than count");
	return 0;
}

#endif /* CONFIG_SCHED_SIMPLE */
