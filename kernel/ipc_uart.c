// SPDX-License-Identifier: MIT
/*
 * The console UART as kernel objects for a user-mode driver
 * (CONFIG_USER_CONSOLE_SERVER): its MMIO page as a device page and its
 * interrupt as an interrupt object, installed in a task's handle table with
 * the MAP right. The address is the board's CONFIG_UART_BASE (the one the
 * device tree's console node is matched against in kernel/console_rx.c); the
 * source is the one console_rx found and now releases. When the interrupt
 * object goes (its last handle closed), kernel/ipc.c gives the source back to
 * console_rx. The kernel's polled output (printk, panics) never stops.
 */
#ifdef CONFIG_USER_CONSOLE_SERVER
#include <bora/console.h>
#include <bora/errno.h>
#include <bora/ipc_kernel.h>
#include <bora/kmalloc.h>
#include <bora/syscall_ipc.h>
#include <bora/task.h>

int ipc_uart_give(struct task *t)
{
	struct ipc_devpage *d;
	struct ipc_irq *q;
	struct handle_table *table;
	unsigned long flags;
	unsigned int irq;
	int err, slot;

	if (!t->handles && ipc_task_init(t))
		return -ENOMEM;
	table = ipc_task_table(t);
	d = ipc_devpage_create(ALIGN_DOWN((uint64_t)CONFIG_UART_BASE, PAGE_SIZE), PAGE_SIZE);
	if (!d)
		return -ENOMEM;
	err = console_rx_release(&irq);
	if (err) {
		kfree(d);
		return err;
	}
	q = ipc_irq_object_create(irq, &err);
	flags = ipc_lock();
	if (!q) {
		console_rx_reclaim();
		ipc_unlock(flags);
		kfree(d);
		return err;
	}
	q->console = true;
	slot = handle_install(table, &d->obj, IPC_RIGHT_MAP, 0);
	if (slot >= 0)
		slot = handle_install(table, &q->obj, IPC_RIGHT_MAP, 0);
	/* The handles hold them now; on -ENOSPC this destroys them (and reclaims the source). */
	kobject_put(&d->obj);
	kobject_put(&q->obj);
	ipc_unlock(flags);
	return slot < 0 ? slot : 0;
}
#endif
