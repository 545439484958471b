// SPDX-License-Identifier: MIT
/*
 * Interrupt objects and device pages (include/bora/ipc.h): what a user-mode
 * driver holds. The kernel's own handler for a bound interrupt only masks the
 * source and signals a notification; the task does the device work and
 * acknowledges, which unmasks. Host-testable; the PLIC and the page tables
 * are behind the ipc_env_* hooks.
 */
#include <bora/errno.h>
#include <bora/ipc_syscall.h>
#include <bora/kmalloc.h>

static void irq_unbind(struct ipc_irq *q)
{
	struct ipc_notification *n = q->bound;

	if (!n)
		return;
	q->bound = NULL;
	ipc_notification_remove_signaller(n);
	kobject_put(&n->obj);
}

static void irq_destroy(struct kobject *obj)
{
	struct ipc_irq *q = container_of(obj, struct ipc_irq, obj);

	ipc_env_irq_detach(q);
	irq_unbind(q);
	kfree(q);
}

static const struct kobject_ops irq_ops = {.destroy = irq_destroy};

struct ipc_irq *ipc_irq_create(uint32_t irq)
{
	struct ipc_irq *q = kzalloc(sizeof(*q));

	if (q) {
		kobject_init(&q->obj, KOBJ_IRQ, &irq_ops);
		q->irq = irq;
	}
	return q;
}

static int irq_lookup(struct ipc_thread *self, long h, struct ipc_irq **q)
{
	const struct handle *slot;
	int err = handle_lookup(self->table, h, KOBJ_IRQ, IPC_RIGHT_MAP, &slot);

	if (!err)
		*q = container_of(slot->obj, struct ipc_irq, obj);
	return err;
}

int ipc_irq_bind(struct ipc_thread *self, long h, long n, uint64_t bits)
{
	const struct handle *nslot;
	struct ipc_irq *q;
	int err = irq_lookup(self, h, &q);

	if (!err)
		err = handle_lookup(self->table, n, KOBJ_NOTIFICATION, IPC_RIGHT_SEND, &nslot);
	if (err)
		return err;
	if (!bits)
		return -EINVAL;

	struct ipc_notification *notif = container_of(nslot->obj, struct ipc_notification, obj);

	/* Add before removing: rebinding to the same notification must not fail its waiters. */
	ipc_notification_add_signaller(notif);
	kobject_get(&notif->obj);
	bool first = !q->bound;

	irq_unbind(q);
	q->bound = notif;
	q->bits = bits;
	if (first && !q->pending)
		ipc_env_irq_unmask(q); /* the source was masked since the object was made */
	return 0;
}

int ipc_irq_ack(struct ipc_thread *self, long h)
{
	struct ipc_irq *q;
	int err = irq_lookup(self, h, &q);

	if (err)
		return err;
	if (q->pending) {
		q->pending = false;
		ipc_env_irq_unmask(q);
	}
	return 0;
}

void ipc_irq_fire(struct ipc_irq *q)
{
	unsigned long flags = ipc_lock();

	ipc_env_irq_mask(q);
	q->pending = true;
	q->count++;
	if (q->bound)
		ipc_notification_signal(q->bound, q->bits);
	ipc_unlock(flags);
}

/* ---- device pages -----------------------------------------------------------------------------
 */

static void devpage_destroy(struct kobject *obj)
{
	kfree(container_of(obj, struct ipc_devpage, obj));
}

static const struct kobject_ops devpage_ops = {.destroy = devpage_destroy};

struct ipc_devpage *ipc_devpage_create(uint64_t phys, uint64_t size)
{
	struct ipc_devpage *d = kzalloc(sizeof(*d));

	if (d) {
		kobject_init(&d->obj, KOBJ_DEVPAGE, &devpage_ops);
		d->phys = phys;
		d->size = size;
	}
	return d;
}

int ipc_devpage_check(struct ipc_thread *self, long h, uint64_t va, uint64_t *phys, uint64_t *size)
{
	const struct handle *slot;
	int err = handle_lookup(self->table, h, KOBJ_DEVPAGE, IPC_RIGHT_MAP, &slot);

	if (err)
		return err;
	struct ipc_devpage *d = container_of(slot->obj, struct ipc_devpage, obj);

	if (va & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!ipc_env_user_range_ok(self, va, d->size))
		return -EFAULT;
	*phys = d->phys;
	*size = d->size;
	return 0;
}
