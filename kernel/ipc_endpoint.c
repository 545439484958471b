// SPDX-License-Identifier: MIT
/*
 * The endpoint half of the IPC state machine (include/bora/ipc.h): queues,
 * message transfer, grants and one-shot reply capabilities. No blocking, no
 * scheduler: host-testable. Callers hold the IPC lock.
 */
#include <bora/errno.h>
#include <bora/ipc.h>
#include <bora/kmalloc.h>
#include <bora/string.h>

/* ---- FIFO queues of threads ----------------------------------------------------------------- */

void ipc_queue_remove(struct ipc_queue *q, struct ipc_thread *t)
{
	if (t->qprev)
		t->qprev->qnext = t->qnext;
	else
		q->head = t->qnext;
	if (t->qnext)
		t->qnext->qprev = t->qprev;
	else
		q->tail = t->qprev;
	t->qnext = t->qprev = NULL;
	t->queue = NULL;
}

struct ipc_thread *ipc_queue_pop(struct ipc_queue *q)
{
	struct ipc_thread *t = q->head;

	if (t)
		ipc_queue_remove(q, t);
	return t;
}

/* ---- threads ----------------------------------------------------------------------------------
 */

void ipc_thread_init(struct ipc_thread *t, struct handle_table *table, void *owner)
{
	*t = (struct ipc_thread){0};
	t->table = table;
	t->owner = owner;
	t->msg.handle = -1;
}

/* A blocked thread's operation is over: it leaves with `result` when it runs again. */
void ipc_finish(struct ipc_thread *t, long result)
{
	t->state = IPC_IDLE;
	t->result = result;
	ipc_env_wake(t);
}

void ipc_drop_grant(struct ipc_thread *self)
{
	if (self->grant) {
		kobject_put(self->grant);
		self->grant = NULL;
	}
}

int ipc_attach_grant(struct ipc_thread *self, long g, uint32_t mask)
{
	const struct handle *slot;
	int err = handle_lookup(self->table, g, KOBJ_NONE, 0, &slot);

	ipc_drop_grant(self);
	if (err)
		return err;
	self->grant = kobject_get(slot->obj);
	self->grant_rights = slot->rights & mask;
	self->grant_badge = slot->badge;
	return 0;
}

/* Move from's message into to: words, buffer (cut to to's capacity), badge, granted handle. */
static void transfer(struct ipc_thread *from, struct ipc_thread *to, uint64_t badge)
{
	struct ipc_msg *in = &to->msg;
	uint32_t len = from->buf ? from->msg.len : 0;

	in->flags = 0;
	in->nwords = from->msg.nwords;
	/* Unsent words arrive as zeros: nothing of an earlier message stays readable. */
	for (uint32_t i = 0; i < IPC_MSG_WORDS_MAX; i++)
		in->words[i] = i < from->msg.nwords ? from->msg.words[i] : 0;
	if (len > to->buf_cap || (len && !to->buf)) {
		len = to->buf ? to->buf_cap : 0;
		in->flags |= IPC_INFO_TRUNCATED;
	}
	if (len)
		memcpy(to->buf, from->buf, len);
	in->len = len;
	in->badge = badge;
	in->handle = -1;
	in->rights = 0;
	if (from->grant) {
		int slot =
		    handle_install(to->table, from->grant, from->grant_rights, from->grant_badge);
		if (slot < 0) {
			in->flags |= IPC_INFO_GRANT_LOST;
		} else {
			in->handle = slot;
			in->rights = from->grant_rights;
		}
		ipc_drop_grant(from);
	}
}

/* ---- reply capabilities ------------------------------------------------------------------------
 */

static void reply_link(struct ipc_thread *server, struct ipc_thread *caller)
{
	server->reply_to = caller;
	server->reply_lost = false;
	caller->replier = server;
	caller->state = IPC_REPLY_BLOCKED;
}

/* Fail the caller the server owes a reply (the server dies or receives again). */
static void reply_abandon(struct ipc_thread *server)
{
	struct ipc_thread *caller = server->reply_to;

	server->reply_lost = false;
	if (!caller)
		return;
	server->reply_to = NULL;
	caller->replier = NULL;
	ipc_finish(caller, -EPEERDIED);
}

/* ---- endpoints --------------------------------------------------------------------------------
 */

static void fail_queue(struct ipc_queue *q, long err)
{
	struct ipc_thread *t;

	while ((t = ipc_queue_pop(q))) {
		ipc_drop_grant(t);
		ipc_finish(t, err);
	}
}

static void endpoint_handle_opened(struct kobject *obj, uint32_t rights)
{
	struct ipc_endpoint *ep = container_of(obj, struct ipc_endpoint, obj);

	if (rights & IPC_RIGHT_SEND)
		ep->send_handles++;
	if (rights & IPC_RIGHT_RECV)
		ep->recv_handles++;
}

static void endpoint_handle_closed(struct kobject *obj, uint32_t rights)
{
	struct ipc_endpoint *ep = container_of(obj, struct ipc_endpoint, obj);

	if ((rights & IPC_RIGHT_SEND) && --ep->send_handles == 0)
		fail_queue(&ep->receivers, -EPEERDIED);
	if ((rights & IPC_RIGHT_RECV) && --ep->recv_handles == 0)
		fail_queue(&ep->senders, -EPEERDIED);
}

static void endpoint_destroy(struct kobject *obj)
{
	struct ipc_endpoint *ep = container_of(obj, struct ipc_endpoint, obj);

	fail_queue(&ep->senders, -EPEERDIED);
	fail_queue(&ep->receivers, -EPEERDIED);
	kfree(ep);
}

static const struct kobject_ops endpoint_ops = {
    .handle_opened = endpoint_handle_opened,
    .handle_closed = endpoint_handle_closed,
    .destroy = endpoint_destroy,
};

struct ipc_endpoint *ipc_endpoint_create(void)
{
	struct ipc_endpoint *ep = kzalloc(sizeof(*ep));

	if (ep)
		kobject_init(&ep->obj, KOBJ_ENDPOINT, &endpoint_ops);
	return ep;
}

static int endpoint_lookup(struct ipc_thread *self, long h, uint32_t need, struct ipc_endpoint **ep,
                           const struct handle **slot)
{
	int err = handle_lookup(self->table, h, KOBJ_ENDPOINT, need, slot);

	if (!err)
		*ep = container_of((*slot)->obj, struct ipc_endpoint, obj);
	return err;
}

static int send_common(struct ipc_thread *self, long h, bool wait, bool call)
{
	uint32_t need = IPC_RIGHT_SEND | (self->grant ? IPC_RIGHT_GRANT : 0);
	const struct handle *slot;
	struct ipc_endpoint *ep;
	int err = endpoint_lookup(self, h, need, &ep, &slot);

	if (!err && self->msg.nwords > CONFIG_IPC_MSG_WORDS)
		err = -EMSGSIZE;
	if (!err && ep->recv_handles == 0)
		err = -EPEERDIED;
	if (!err && !ep->receivers.head && !wait)
		err = -ETIMEDOUT;
	if (err) {
		ipc_drop_grant(self);
		return err;
	}

	struct ipc_thread *receiver = ipc_queue_pop(&ep->receivers);

	self->call = call;
	self->grant_back = (slot->rights & IPC_RIGHT_GRANT) != 0;
	if (!receiver) {
		self->send_badge = slot->badge;
		self->state = IPC_SEND_BLOCKED;
		ipc_queue_push(&ep->senders, self);
		return IPC_BLOCKED;
	}
	transfer(self, receiver, slot->badge);
	if (call)
		reply_link(receiver, self);
	ipc_finish(receiver, 0);
	return call ? IPC_BLOCKED : 0;
}

int ipc_send(struct ipc_thread *self, long h, bool wait)
{
	return send_common(self, h, wait, false);
}

int ipc_call(struct ipc_thread *self, long h, bool wait)
{
	return send_common(self, h, wait, true);
}

int ipc_recv(struct ipc_thread *self, long h, bool wait)
{
	const struct handle *slot;
	struct ipc_endpoint *ep;
	int err = endpoint_lookup(self, h, IPC_RIGHT_RECV, &ep, &slot);

	if (err)
		return err;
	/* One reply capability per thread: receiving again gives up the unused one. */
	reply_abandon(self);

	struct ipc_thread *sender = ipc_queue_pop(&ep->senders);

	if (sender) {
		transfer(sender, self, sender->send_badge);
		if (sender->call)
			reply_link(self, sender); /* the caller sleeps on, now for the reply */
		else
			ipc_finish(sender, 0);
		return 0;
	}
	if (ep->send_handles == 0)
		return -EPEERDIED;
	if (!wait)
		return -ETIMEDOUT;
	self->state = IPC_RECV_BLOCKED;
	ipc_queue_push(&ep->receivers, self);
	return IPC_BLOCKED;
}

int ipc_reply(struct ipc_thread *self)
{
	struct ipc_thread *caller = self->reply_to;

	if (!caller) {
		int err = self->reply_lost ? -EPEERDIED : -ENOREPLY;

		self->reply_lost = false;
		ipc_drop_grant(self);
		return err;
	}
	int err = self->msg.nwords > CONFIG_IPC_MSG_WORDS ? -EMSGSIZE : 0;

	if (!err && self->grant && !caller->grant_back)
		err = -ENORIGHT;
	if (err) {
		ipc_drop_grant(self);
		return err;
	}
	self->reply_to = NULL;
	caller->replier = NULL;
	transfer(self, caller, 0);
	ipc_finish(caller, 0);
	return 0;
}

int ipc_reply_recv(struct ipc_thread *self, long h, bool wait)
{
	self->reply_result = ipc_reply(self);
	return ipc_recv(self, h, wait);
}

/* ---- cancel and death -------------------------------------------------------------------------
 */

bool ipc_cancel(struct ipc_thread *t, long err)
{
	switch (t->state) {
	case IPC_SEND_BLOCKED:
	case IPC_RECV_BLOCKED:
	case IPC_NOTIFY_BLOCKED:
		ipc_queue_remove(t->queue, t);
		break;
	case IPC_REPLY_BLOCKED:
		/* Cut the link: the holder's reply will fail harmlessly. */
		t->replier->reply_to = NULL;
		t->replier->reply_lost = true;
		t->replier = NULL;
		break;
	case IPC_IDLE:
		return false;
	}
	ipc_drop_grant(t);
	t->state = IPC_IDLE;
	t->result = err;
	return true;
}

void ipc_thread_exit(struct ipc_thread *t)
{
	ipc_cancel(t, -EPEERDIED);
	reply_abandon(t);
	ipc_drop_grant(t);
}

/* ---- consistency check ------------------------------------------------------------------------
 */

int ipc_queue_validate(const struct ipc_queue *q, enum ipc_state state, char *why, size_t why_len)
{
	const struct ipc_thread *prev = NULL;

	for (const struct ipc_thread *t = q->head; t; prev = t, t = t->qnext) {
		if (t->qprev != prev)
			return validate_failed(why, why_len, "queue: broken back link");
		if (t->queue != q)
			return validate_failed(why, why_len, "queue: thread names another queue");
		if (t->state != state)
			return validate_failed(why, why_len, "queue: thread in the wrong state");
	}
	if (q->tail != prev)
		return validate_failed(why, why_len, "queue: tail is not the last thread");
	return 0;
}

int ipc_endpoint_validate(const struct ipc_endpoint *ep, char *why, size_t why_len)
{
	int err = ipc_queue_validate(&ep->senders, IPC_SEND_BLOCKED, why, why_len);

	if (!err)
		err = ipc_queue_validate(&ep->receivers, IPC_RECV_BLOCKED, why, why_len);
	if (err)
		return err;
	if (ep->senders.head && ep->receivers.head)
		return validate_failed(why, why_len, "senders and receivers wait at once");
	if (ep->obj.refs < ep->send_handles || ep->obj.refs < ep->recv_handles)
		return validate_failed(why, why_len, "more handles than references");
	return 0;
}
