// SPDX-License-Identifier: MIT
/*
 * Notifications (include/bora/ipc.h): a word of bits that signal ORs in and
 * wait takes whole, atomically under the IPC lock. One waiter gets every bit
 * pending when it is woken; the others stay queued, FIFO. Signalling never
 * blocks, so interrupt handlers use it too. Host-testable.
 */
#include <bora/errno.h>
#include <bora/ipc.h>
#include <bora/kmalloc.h>

static void fail_waiters(struct ipc_notification *n)
{
	struct ipc_thread *t;

	while ((t = ipc_queue_pop(&n->waiters)))
		ipc_finish(t, -EPEERDIED);
}

void ipc_notification_add_signaller(struct ipc_notification *n)
{
	n->signallers++;
}

/* Nobody can signal any more: a waiter would sleep forever, so it fails instead. */
void ipc_notification_remove_signaller(struct ipc_notification *n)
{
	if (--n->signallers == 0)
		fail_waiters(n);
}

static void notification_handle_opened(struct kobject *obj, uint32_t rights)
{
	if (rights & IPC_RIGHT_SEND)
		ipc_notification_add_signaller(container_of(obj, struct ipc_notification, obj));
}

static void notification_handle_closed(struct kobject *obj, uint32_t rights)
{
	if (rights & IPC_RIGHT_SEND)
		ipc_notification_remove_signaller(container_of(obj, struct ipc_notification, obj));
}

static void notification_destroy(struct kobject *obj)
{
	struct ipc_notification *n = container_of(obj, struct ipc_notification, obj);

	fail_waiters(n);
	kfree(n);
}

static const struct kobject_ops notification_ops = {
    .handle_opened = notification_handle_opened,
    .handle_closed = notification_handle_closed,
    .destroy = notification_destroy,
};

struct ipc_notification *ipc_notification_create(void)
{
	struct ipc_notification *n = kzalloc(sizeof(*n));

	if (n)
		kobject_init(&n->obj, KOBJ_NOTIFICATION, &notification_ops);
	return n;
}

void ipc_notification_signal(struct ipc_notification *n, uint64_t bits)
{
	n->word |= bits;
	if (!n->word || !n->waiters.head)
		return;

	struct ipc_thread *t = ipc_queue_pop(&n->waiters);

	t->notify_bits = n->word;
	n->word = 0;
	ipc_finish(t, 0);
}

static int notification_lookup(struct ipc_thread *self, long h, uint32_t need,
                               struct ipc_notification **n)
{
	const struct handle *slot;
	int err = handle_lookup(self->table, h, KOBJ_NOTIFICATION, need, &slot);

	if (!err)
		*n = container_of(slot->obj, struct ipc_notification, obj);
	return err;
}

int ipc_notify_signal(struct ipc_thread *self, long h, uint64_t bits)
{
	struct ipc_notification *n;
	int err = notification_lookup(self, h, IPC_RIGHT_SEND, &n);

	if (!err)
		ipc_notification_signal(n, bits);
	return err;
}

int ipc_notify_wait(struct ipc_thread *self, long h, bool wait)
{
	struct ipc_notification *n;
	int err = notification_lookup(self, h, IPC_RIGHT_RECV, &n);

	if (err)
		return err;
	if (n->word) {
		self->notify_bits = n->word;
		n->word = 0;
		return 0;
	}
	if (n->signallers == 0)
		return -EPEERDIED;
	if (!wait)
		return -ETIMEDOUT;
	self->notify_bits = 0;
	self->state = IPC_NOTIFY_BLOCKED;
	ipc_queue_push(&n->waiters, self);
	return IPC_BLOCKED;
}

int ipc_notification_validate(const struct ipc_notification *n, char *why, size_t why_len)
{
	int err = ipc_queue_validate(&n->waiters, IPC_NOTIFY_BLOCKED, why, why_len);

	if (err)
		return err;
	if (n->word && n->waiters.head)
		return validate_failed(why, why_len, "bits pending while a waiter sleeps");
	return 0;
}
