/* SPDX-License-Identifier: MIT */
/*
 * Intrusive circular doubly-linked list: a struct list_node embedded in the
 * element, a struct list_node as the head. An unlinked node points at itself,
 * so list_linked() tells whether an element is on some list. Not locked.
 */
#ifndef BORA_LIST_H
#define BORA_LIST_H

#include <bora/types.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_HEAD_INIT(name)                                                                       \
	{                                                                                          \
		&(name), &(name)                                                                   \
	}

static inline void list_init(struct list_node *n)
{
	n->next = n;
	n->prev = n;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

static inline bool list_linked(const struct list_node *n)
{
	return n->next != n;
}

/* Insert n between prev and next. */
static inline void list_insert_between(struct list_node *n, struct list_node *prev,
                                       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Insert n right before pos (at the tail when pos is the head). */
static inline void list_insert_before(struct list_node *n, struct list_node *pos)
{
	list_insert_between(n, pos->prev, pos);
}

static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head->prev, head);
}

static inline void list_add_head(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head, head->next);
}

/* Unlink n and leave it pointing at itself. */
static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* First element or NULL. */
static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

#define list_entry(node, type, member) container_of(node, type, member)

#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#endif
