/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's ready queue, one per hart: ready threads ordered by
 * priority (0 highest), first in first out within a priority. Two kinds,
 * chosen by Kconfig and sharing this interface:
 *   CONFIG_SCHED_SIMPLE  one list kept in order: add O(n), peek O(1);
 *   CONFIG_SCHED_BITMAP  one FIFO per priority plus a bitmap of the non-empty
 *                        ones: add, remove and peek O(1) (peek is a
 *                        find-first-set over NUM_PRIORITIES / 64 words).
 * Free of kernel dependencies so tests/unit/test_sched_queue.c runs both on
 * the host. Not locked: the owner (struct percpu's runq_lock) serialises.
 */
#ifndef BORA_SCHED_QUEUE_H
#define BORA_SCHED_QUEUE_H

#include <bora/list.h>
#include <bora/types.h>

#ifndef CONFIG_NUM_PRIORITIES
#define CONFIG_NUM_PRIORITIES 32
#endif

#define RUNQ_WORDS ((CONFIG_NUM_PRIORITIES + 63) / 64)

/* Embedded in struct thread; prio must not change while the node is queued. */
struct runq_node {
	struct list_node link;
	unsigned int prio; /* 0 .. CONFIG_NUM_PRIORITIES-1 */
};

struct runq {
#ifdef CONFIG_SCHED_SIMPLE
	struct list_node list;
#else
	uint64_t bitmap[RUNQ_WORDS]; /* bit p set <=> queues[p] not empty */
	struct list_node queues[CONFIG_NUM_PRIORITIES];
#endif
	unsigned int count;
};

#ifdef CONFIG_SCHED_SIMPLE
#define RUNQ_KIND_NAME "simple"
#else
#define RUNQ_KIND_NAME "bitmap"
#endif

/*
 * kernel/sched.c compiles the queue's source into itself with RUNQ_API
 * defined as `static inline`, so its hot paths (yield, wake) inline these
 * calls; everywhere else (the host tests) they are ordinary functions.
 */
#ifndef RUNQ_API
#define RUNQ_API
#endif

RUNQ_API void runq_init(struct runq *rq);

/* Queue n behind every node of its priority (a yield, a wake-up). */
RUNQ_API void runq_add_tail(struct runq *rq, struct runq_node *n);

/* Queue n ahead of every node of its priority (a thread preempted by a higher one). */
RUNQ_API void runq_add_head(struct runq *rq, struct runq_node *n);

/* n must be on rq. */
RUNQ_API void runq_remove(struct runq *rq, struct runq_node *n);

/* The node that runs next (lowest prio value, oldest of it) without removing it; NULL if empty. */
RUNQ_API struct runq_node *runq_peek(const struct runq *rq);

/* Some queued node has priority prio or a higher one (a lower value). */
RUNQ_API bool runq_has_prio_at_least(const struct runq *rq, unsigned int prio);

/* Remove and return the node that runs next; NULL if empty. */
RUNQ_API struct runq_node *runq_pop(struct runq *rq);

/*
 * A yield of the running `cur` (not queued): when the next node has cur's
 * priority or a higher one, queue cur behind its equals and remove and return
 * that node; otherwise (empty, or only lower priorities) return NULL and
 * change nothing.
 */
RUNQ_API struct runq_node *runq_yield(struct runq *rq, struct runq_node *cur);

/*
 * The first node in run order for which ok(node, ctx) is true, left queued;
 * NULL if none. Linear in the queued nodes (an idle hart looking for a
 * thread it may steal, kernel/sched_smp.c).
 */
RUNQ_API struct runq_node *runq_find(const struct runq *rq,
                                     bool (*ok)(const struct runq_node *n, void *ctx), void *ctx);

static inline bool runq_empty(const struct runq *rq)
{
	return rq->count == 0;
}

/*
 * Check the invariants: nodes in priority order (simple) or each on the queue
 * of its priority with the bitmap matching the non-empty queues (bitmap),
 * links consistent both ways, count equal to the nodes. 0 or -ECORRUPT with a
 * reason in why.
 */
RUNQ_API int runq_validate(const struct runq *rq, char *why, size_t why_len);

#endif
