// SPDX-License-Identifier: MIT
/*
 * IPC and handle syscalls: decode the registers (uapi/bora/ipc.h), stage the
 * outgoing buffer, run the state machine under the IPC lock, block through the
 * environment, write the results back. Host-testable; the fuzz target
 * tests/fuzz/fuzz_ipc.c drives it with arbitrary registers.
 */
#include <bora/errno.h>
#include <bora/ipc_syscall.h>

int ipc_info_decode(uint64_t info, struct ipc_info *out)
{
	out->nwords = IPC_INFO_FIELD(info, WORDS);
	out->len = IPC_INFO_FIELD(info, LEN);
	out->cap = IPC_INFO_FIELD(info, CAP);
	out->grant = (info & IPC_INFO_GRANT) != 0;
	out->grant_rights = IPC_INFO_FIELD(info, RIGHTS);
	out->grant_handle = IPC_INFO_FIELD(info, HANDLE);
	out->timeout_ms = IPC_INFO_FIELD(info, TMO);
	if (out->nwords > CONFIG_IPC_MSG_WORDS || out->len > IPC_BUF_MAX || out->cap > IPC_BUF_MAX)
		return -EINVAL;
	return 0;
}

uint64_t ipc_info_received(const struct ipc_msg *msg)
{
	uint64_t info = ipc_info(msg->nwords, msg->len, 0, 0) | msg->flags;

	if (msg->handle >= 0)
		info = ipc_info_grant(info, (unsigned)msg->handle, msg->rights);
	return info;
}

enum op_kind { OP_SEND, OP_CALL, OP_RECV, OP_REPLY, OP_REPLY_RECV };

static bool op_sends(enum op_kind op)
{
	return op != OP_RECV;
}

static bool op_receives(enum op_kind op)
{
	return op == OP_RECV || op == OP_CALL || op == OP_REPLY_RECV;
}

/* Decode and stage an endpoint operation's message; nothing is locked yet. */
static int endpoint_prepare(struct ipc_thread *self, enum op_kind op, const struct ipc_regs *r,
                            struct ipc_info *info)
{
	int err = ipc_info_decode(r->a[1], info);

	if (err)
		return err;
	if (!op_sends(op))
		info->nwords = info->len = 0;
	if (!op_receives(op))
		info->cap = 0;
	if (op == OP_REPLY)
		info->timeout_ms = IPC_TIMEOUT_NO_WAIT;

	uint32_t span = MAX(info->len, info->cap);

	self->buf = NULL;
	self->buf_cap = 0;
	self->ubuf = r->a[6];
	if (span) {
		if (!ipc_env_user_range_ok(self, r->a[6], span))
			return -EFAULT;
		self->buf = ipc_env_staging(self);
		if (!self->buf)
			return -ENOMEM;
		self->buf_cap = info->cap;
	}
	if (info->len) {
		err = ipc_env_copy_from_user(self, self->buf, r->a[6], info->len);
		if (err)
			return err;
	}
	self->msg.nwords = info->nwords;
	self->msg.len = info->len;
	for (uint32_t i = 0; i < IPC_MSG_WORDS_MAX; i++)
		self->msg.words[i] = i < info->nwords ? r->a[2 + i] : 0;
	return 0;
}

static long endpoint_op(struct ipc_thread *self, enum op_kind op, const struct ipc_info *info,
                        long h)
{
	bool wait = info->timeout_ms != IPC_TIMEOUT_NO_WAIT;

	if (info->grant && op_sends(op)) {
		int err = ipc_attach_grant(self, info->grant_handle, info->grant_rights);

		if (err) /* nothing happens: not even the receive of a reply_recv */
			return err;
	}
	switch (op) {
	case OP_SEND:
		return ipc_send(self, h, wait);
	case OP_CALL:
		return ipc_call(self, h, wait);
	case OP_RECV:
		return ipc_recv(self, h, wait);
	case OP_REPLY:
		return ipc_reply(self);
	case OP_REPLY_RECV:
		return ipc_reply_recv(self, h, wait);
	}
	return -ENOSYS;
}

static long handle_op(struct ipc_thread *self, unsigned long nr, struct ipc_regs *r,
                      uint32_t *timeout_ms)
{
	struct handle_table *t = self->table;
	long h = (long)r->a[0];

	switch (nr) {
	case SYS_HANDLE_CLOSE:
		return handle_close(t, h);
	case SYS_HANDLE_MINT:
		if (r->a[1] & ~(uint64_t)IPC_RIGHTS_ALL)
			return -EINVAL;
		return handle_mint(t, h, (uint32_t)r->a[1], r->a[2]);
	case SYS_ENDPOINT_CREATE:
	case SYS_NOTIFY_CREATE: {
		struct kobject *obj = NULL;

		if (nr == SYS_ENDPOINT_CREATE) {
			struct ipc_endpoint *ep = ipc_endpoint_create();
			obj = ep ? &ep->obj : NULL;
		} else {
			struct ipc_notification *n = ipc_notification_create();
			obj = n ? &n->obj : NULL;
		}
		if (!obj)
			return -ENOMEM;
		long slot = handle_install(t, obj, IPC_RIGHTS_ALL, 0);

		kobject_put(obj); /* the handle holds it now, or it goes */
		return slot;
	}
	case SYS_NOTIFY_SIGNAL:
		return ipc_notify_signal(self, h, r->a[1]);
	case SYS_NOTIFY_WAIT: {
		struct ipc_info info;
		int err = ipc_info_decode(r->a[1], &info);

		if (err)
			return err;
		*timeout_ms = info.timeout_ms;
		return ipc_notify_wait(self, h, info.timeout_ms != IPC_TIMEOUT_NO_WAIT);
	}
	case SYS_IRQ_BIND:
		return ipc_irq_bind(self, h, (long)r->a[1], r->a[2]);
	case SYS_IRQ_ACK:
		return ipc_irq_ack(self, h);
	}
	return -ENOSYS;
}

static enum op_kind endpoint_kind(unsigned long nr)
{
	switch (nr) {
	case SYS_IPC_SEND:
		return OP_SEND;
	case SYS_IPC_CALL:
		return OP_CALL;
	case SYS_IPC_RECV:
		return OP_RECV;
	case SYS_IPC_REPLY:
		return OP_REPLY;
	default:
		return OP_REPLY_RECV;
	}
}

static bool is_endpoint_op(unsigned long nr)
{
	return nr >= SYS_IPC_SEND && nr <= SYS_IPC_REPLY_RECV;
}

/* The page tables are changed outside the IPC lock: only the handle check is under it. */
static long devpage_map(struct ipc_thread *self, struct ipc_regs *r)
{
	uint64_t phys = 0, size = 0;
	unsigned long flags = ipc_lock();
	long ret = ipc_devpage_check(self, (long)r->a[0], r->a[1], &phys, &size);

	ipc_unlock(flags);
	if (!ret)
		ret = ipc_env_map_device(self, r->a[1], phys, size);
	r->a[0] = (uint64_t)ret;
	return ret;
}

long ipc_syscall_resume(struct ipc_thread *self, unsigned long nr, struct ipc_regs *r)
{
	long ret = self->result;

	if (nr == SYS_NOTIFY_WAIT && ret == 0)
		r->a[1] = self->notify_bits;
	if (is_endpoint_op(nr) && op_receives(endpoint_kind(nr)) && ret == 0) {
		const struct ipc_msg *m = &self->msg;

		if (m->len) {
			int err = ipc_env_copy_to_user(self, self->ubuf, self->buf, m->len);
			if (err)
				ret = err;
		}
		r->a[1] = ipc_info_received(m);
		for (uint32_t i = 0; i < IPC_MSG_WORDS_MAX; i++)
			r->a[2 + i] = i < m->nwords ? m->words[i] : 0;
		r->a[6] = m->badge;
	}
	r->a[0] = (uint64_t)ret;
	return ret;
}

long ipc_syscall(struct ipc_thread *self, unsigned long nr, struct ipc_regs *r)
{
	uint32_t timeout_ms = IPC_TIMEOUT_NO_WAIT;
	struct ipc_info info;
	long ret = 0;

	if (nr < SYS_IPC_BASE || nr >= SYS_IPC_BASE + SYS_IPC_COUNT) {
		r->a[0] = (uint64_t)-ENOSYS;
		return -ENOSYS;
	}
	self->reply_result = 0;
	if (nr == SYS_DEVPAGE_MAP)
		return devpage_map(self, r);
	if (is_endpoint_op(nr)) {
		ret = endpoint_prepare(self, endpoint_kind(nr), r, &info);
		timeout_ms = info.timeout_ms;
	}

	unsigned long flags = ipc_lock();

	if (ret == 0)
		ret = is_endpoint_op(nr)
		          ? endpoint_op(self, endpoint_kind(nr), &info, (long)r->a[0])
		          : handle_op(self, nr, r, &timeout_ms);
	if (ret == IPC_BLOCKED) {
		/* A call taken at once waits for its reply even when told not to wait. */
		if (timeout_ms == IPC_TIMEOUT_NO_WAIT)
			timeout_ms = IPC_TIMEOUT_FOREVER;
		ret = ipc_env_block(self, timeout_ms, flags);
		if (ret == IPC_BLOCKED)
			return ret;
	} else {
		ipc_unlock(flags);
	}
	self->result = ret;
	return ipc_syscall_resume(self, nr, r);
}
