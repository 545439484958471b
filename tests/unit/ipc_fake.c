// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include <bora/errno.h>
#include <bora/kmalloc.h>

#include "ipc_fake.h"

struct fake_thread *fake_wake_log[64];
unsigned fake_wake_count;
long fake_live_allocs;

void *kzalloc(size_t size)
{
	void *p = calloc(1, size);

	if (p)
		fake_live_allocs++;
	return p;
}

void kfree(void *ptr)
{
	if (ptr)
		fake_live_allocs--;
	free(ptr);
}

static spinlock_t fake_ipc_lock = SPINLOCK_INIT;

unsigned long ipc_lock(void)
{
	return spin_lock_irqsave(&fake_ipc_lock);
}

void ipc_unlock(unsigned long flags)
{
	spin_unlock_irqrestore(&fake_ipc_lock, flags);
}

bool fake_irq_masked[64];
unsigned fake_irq_detached[64];
struct fake_mapping fake_mapping;

void fake_irq_reset(void)
{
	for (int i = 0; i < 64; i++) {
		fake_irq_masked[i] = true; /* sources start masked */
		fake_irq_detached[i] = 0;
	}
	fake_mapping = (struct fake_mapping){0};
}

void ipc_env_irq_detach(struct ipc_irq *q)
{
	fake_irq_detached[q->irq % 64]++;
	fake_irq_masked[q->irq % 64] = true;
}

void ipc_env_irq_mask(struct ipc_irq *q)
{
	fake_irq_masked[q->irq % 64] = true;
}

void ipc_env_irq_unmask(struct ipc_irq *q)
{
	fake_irq_masked[q->irq % 64] = false;
}

int ipc_env_map_device(struct ipc_thread *self, uint64_t va, uint64_t phys, uint64_t size)
{
	(void)self;
	fake_mapping = (struct fake_mapping){va, phys, size, fake_mapping.count + 1};
	return 0;
}

void fake_task_init(struct fake_task *task)
{
	handle_table_init(&task->table, task->slots, FAKE_HANDLES);
	memset(task->mem, 0, sizeof(task->mem));
}

void fake_thread_init(struct fake_thread *t, struct fake_task *task)
{
	memset(t, 0, sizeof(*t));
	t->task = task;
	ipc_thread_init(&t->ipc, &task->table, t);
}

struct fake_thread *fake_of(struct ipc_thread *t)
{
	return t->owner;
}

void fake_wake_log_reset(void)
{
	fake_wake_count = 0;
}

void ipc_env_wake(struct ipc_thread *t)
{
	struct fake_thread *f = fake_of(t);

	f->wakes++;
	f->blocked = false;
	if (fake_wake_count < 64)
		fake_wake_log[fake_wake_count] = f;
	fake_wake_count++;
}

long ipc_env_block(struct ipc_thread *self, uint32_t timeout_ms, unsigned long flags)
{
	struct fake_thread *f = fake_of(self);

	f->blocked = true;
	f->timeout_ms = timeout_ms;
	ipc_unlock(flags);
	return IPC_BLOCKED;
}

uint8_t *ipc_env_staging(struct ipc_thread *self)
{
	return fake_of(self)->staging;
}

bool ipc_env_user_range_ok(struct ipc_thread *self, uint64_t addr, uint64_t len)
{
	(void)self;
	return addr >= FAKE_USER_BASE && len <= FAKE_USER_SIZE &&
	       addr - FAKE_USER_BASE <= FAKE_USER_SIZE - len;
}

static bool touches_hole(uint64_t addr, uint32_t len)
{
	return len && addr < FAKE_USER_HOLE + IPC_BUF_MAX && addr + len > FAKE_USER_HOLE;
}

int ipc_env_copy_from_user(struct ipc_thread *self, void *dst, uint64_t src, uint32_t len)
{
	if (!ipc_env_user_range_ok(self, src, len) || touches_hole(src, len))
		return -EFAULT;
	memcpy(dst, fake_of(self)->task->mem + (src - FAKE_USER_BASE), len);
	return 0;
}

int ipc_env_copy_to_user(struct ipc_thread *self, uint64_t dst, const void *src, uint32_t len)
{
	if (!ipc_env_user_range_ok(self, dst, len) || touches_hole(dst, len))
		return -EFAULT;
	memcpy(fake_of(self)->task->mem + (dst - FAKE_USER_BASE), src, len);
	return 0;
}
