// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the IPC syscall layer (kernel/ipc_syscall.c) and the
 * state machine under it, over the fake environment of tests/unit/ipc_fake.c.
 *
 * Six threads in three tasks start with an endpoint (every right in task 0, a
 * badged SEND|GRANT copy in task 1, a RECV copy in task 2) and a notification;
 * task 0 also holds an interrupt and a device page.
 * The input is a stream of steps: a syscall with registers from the input
 * (the info word either raw or built from fields, buffers valid, over the
 * unmapped page, outside user memory or wrapping), a timeout firing on a
 * blocked thread, a thread killed and replaced, the interrupt firing (when
 * unmasked, as the hardware would), or a woken thread resuming.
 * After every step each object a handle names validates, and every thread
 * asleep has someone to wake it; at the end, every object has been freed.
 */
#include "shadow.h"

#include "ipc_fake.h"

#define TASKS     3
#define THREADS   6
#define MAX_STEPS 2048

struct actor {
	struct fake_thread f;
	bool in_syscall;
	unsigned long nr;
	struct ipc_regs r;
};

static struct fake_task tasks[TASKS];
static struct actor actors[THREADS];
static struct ipc_irq *irq;

static void check_objects(void)
{
	char why[80] = "";

	for (int t = 0; t < TASKS; t++) {
		for (uint32_t h = 0; h < tasks[t].table.size; h++) {
			struct kobject *obj = tasks[t].slots[h].obj;
			int err = 0;

			if (!obj)
				continue;
			FUZZ_CHECK(obj->refs > 0, "task %d handle %u: object with no references", t,
			           h);
			if (obj->type == KOBJ_ENDPOINT)
				err = ipc_endpoint_validate(
				    container_of(obj, struct ipc_endpoint, obj), why, sizeof(why));
			else if (obj->type == KOBJ_NOTIFICATION)
				err = ipc_notification_validate(
				    container_of(obj, struct ipc_notification, obj), why,
				    sizeof(why));
			FUZZ_CHECK(!err, "task %d handle %u: %s", t, h, why);
		}
	}
	for (int i = 0; i < THREADS; i++) {
		const struct actor *a = &actors[i];
		const struct ipc_thread *t = &a->f.ipc;
		bool asleep = a->in_syscall && a->f.blocked;

		FUZZ_CHECK(asleep || t->state == IPC_IDLE, "thread %d awake in state %d", i,
		           t->state);
		if (t->state == IPC_REPLY_BLOCKED)
			FUZZ_CHECK(t->replier && t->replier->reply_to == t,
			           "thread %d waits for a reply nobody owes", i);
		else if (t->state != IPC_IDLE)
			FUZZ_CHECK(t->queue != NULL, "thread %d blocked on no queue", i);
		if (t->reply_to)
			FUZZ_CHECK(t->reply_to->replier == t &&
			               t->reply_to->state == IPC_REPLY_BLOCKED,
			           "thread %d owes a reply to a thread not waiting for it", i);
	}
}

static uint64_t pick_buffer(struct fuzz_in *in)
{
	switch (fin_u8(in) % 6) {
	case 0:
		return FAKE_USER_HOLE - fin_u8(in);
	case 1:
		return fin_u64(in); /* anything, including wrap-around */
	case 2:
		return FAKE_USER_BASE + FAKE_USER_SIZE - fin_u16(in) % 64;
	default:
		return FAKE_USER_BASE + fin_u16(in) % (FAKE_USER_SIZE / 2);
	}
}

static uint64_t pick_info(struct fuzz_in *in)
{
	uint8_t how = fin_u8(in);

	if (how >= 0xe0)
		return fin_u64(in);
	static const uint32_t timeouts[] = {IPC_TIMEOUT_NO_WAIT, IPC_TIMEOUT_FOREVER, 10};
	uint32_t words = fin_u8(in) % (IPC_MSG_WORDS_MAX + 2);
	uint32_t len = fin_u8(in) % 4 == 0 ? fin_u16(in) % (IPC_BUF_MAX + 2) : fin_u8(in) % 32;
	uint32_t cap = fin_u8(in) % 4 == 0 ? fin_u16(in) % (IPC_BUF_MAX + 2) : fin_u8(in) % 32;
	uint64_t info = ipc_info(words, len, cap, timeouts[how % 3]);

	if (how & 0x10)
		info = ipc_info_grant(info, fin_u8(in) % (FAKE_HANDLES + 2), fin_u8(in));
	return info;
}

static void finish_syscall(struct actor *a, long ret)
{
	a->in_syscall = ret == IPC_BLOCKED;
	if (!a->in_syscall)
		FUZZ_CHECK((long)a->r.a[0] == ret, "a0 %ld is not the result %ld", (long)a->r.a[0],
		           ret);
}

static void do_syscall(struct actor *a, struct fuzz_in *in)
{
	a->nr = SYS_IPC_BASE - 1 + fin_u8(in) % (SYS_IPC_COUNT + 2);
	a->r.a[0] = (uint64_t)(int64_t)(int8_t)fin_u8(in) % 16;
	if (fin_u8(in) == 0xff)
		a->r.a[0] = fin_u64(in);
	switch (a->nr) {
	case SYS_HANDLE_MINT:
	case SYS_NOTIFY_SIGNAL:
	case SYS_IRQ_BIND:
		a->r.a[1] = fin_u8(in);
		break;
	case SYS_DEVPAGE_MAP:
		a->r.a[1] = pick_buffer(in) & ~(uint64_t)(fin_u8(in) ? PAGE_SIZE - 1 : 0);
		break;
	default:
		a->r.a[1] = pick_info(in);
	}
	for (int i = 2; i < 6; i++)
		a->r.a[i] = fin_u8(in);
	a->r.a[6] = pick_buffer(in);
	fuzz_trace("thread %ld: syscall %lu a0=%ld a1=%#llx a6=%#llx", (long)(a - actors), a->nr,
	           (long)a->r.a[0], (unsigned long long)a->r.a[1], (unsigned long long)a->r.a[6]);
	finish_syscall(a, ipc_syscall(&a->f.ipc, a->nr, &a->r));
}

static void start(struct actor *a, struct fake_task *task)
{
	fake_thread_init(&a->f, task);
	a->in_syscall = false;
}

static void setup(void)
{
	fake_live_allocs = 0;
	for (int t = 0; t < TASKS; t++)
		fake_task_init(&tasks[t]);
	for (int i = 0; i < THREADS; i++)
		start(&actors[i], &tasks[i % TASKS]);

	struct ipc_endpoint *ep = ipc_endpoint_create();
	struct ipc_notification *n = ipc_notification_create();

	handle_install(&tasks[0].table, &ep->obj, IPC_RIGHTS_ALL, 0);
	handle_install(&tasks[0].table, &n->obj, IPC_RIGHTS_ALL, 0);
	handle_install(&tasks[1].table, &ep->obj, IPC_RIGHT_SEND | IPC_RIGHT_GRANT, 0x1);
	handle_install(&tasks[1].table, &n->obj, IPC_RIGHT_SEND, 0);
	handle_install(&tasks[2].table, &ep->obj, IPC_RIGHT_RECV, 0x2);
	handle_install(&tasks[2].table, &n->obj, IPC_RIGHT_RECV, 0);
	kobject_put(&ep->obj);
	kobject_put(&n->obj);

	struct ipc_devpage *d = ipc_devpage_create(0x10000000, PAGE_SIZE);

	fake_irq_reset();
	irq = ipc_irq_create(10);
	handle_install(&tasks[0].table, &irq->obj, IPC_RIGHTS_ALL, 0);
	handle_install(&tasks[0].table, &d->obj, IPC_RIGHTS_ALL, 0);
	/* The creator's reference stands for the kernel's handler: dropped at the end. */
	kobject_put(&d->obj);
}

static void teardown(void)
{
	for (int i = 0; i < THREADS; i++)
		ipc_thread_exit(&actors[i].f.ipc);
	for (int t = 0; t < TASKS; t++)
		handle_table_close_all(&tasks[t].table);
	kobject_put(&irq->obj);
	FUZZ_CHECK(fake_live_allocs == 0, "%ld objects leaked", fake_live_allocs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};

	setup();
	for (int step = 0; step < MAX_STEPS && !fin_done(&in); step++) {
		uint8_t op = fin_u8(&in);
		struct actor *a = &actors[(op & 7) % THREADS];
		unsigned kind = op >> 3;
		bool asleep = a->in_syscall && a->f.blocked;

		if (kind < 20 && !a->in_syscall) {
			do_syscall(a, &in);
		} else if (kind < 24 && asleep) {
			unsigned long flags = ipc_lock();

			fuzz_trace("thread %ld: timeout", (long)(a - actors));
			if (ipc_cancel(&a->f.ipc, -ETIMEDOUT))
				a->f.blocked = false;
			ipc_unlock(flags);
		} else if (kind < 26) {
			fuzz_trace("thread %ld: killed", (long)(a - actors));
			unsigned long flags = ipc_lock();

			ipc_thread_exit(&a->f.ipc);
			ipc_unlock(flags);
			start(a, a->f.task);
		} else if (kind < 28) {
			if (!fake_irq_masked[10]) {
				fuzz_trace("interrupt");
				ipc_irq_fire(irq);
			}
		} else if (a->in_syscall && !a->f.blocked) {
			fuzz_trace("thread %ld: resumes", (long)(a - actors));
			finish_syscall(a, ipc_syscall_resume(&a->f.ipc, a->nr, &a->r));
		}
		check_objects();
	}
	teardown();
	return 0;
}
