/* SPDX-License-Identifier: MIT */
/*
 * The IPC state machine: endpoints with FIFO queues of waiting senders and
 * receivers, one-shot reply capabilities, notifications. It never blocks or
 * switches by itself, so the host unit tests drive it directly:
 *
 *   - an operation returns 0 when it completed, IPC_BLOCKED when the calling
 *     thread is now queued (the caller then sleeps until woken), or -errno;
 *   - whoever completes a transfer moves the message into the blocked
 *     partner's struct ipc_thread, stores its result and calls
 *     ipc_env_wake() on it; a woken thread just returns t->result;
 *   - a timeout or a kill calls ipc_cancel() / ipc_thread_exit().
 *
 * Everything here runs under the one IPC lock (ipc_lock(), interrupts off
 * because interrupt handlers signal notifications): it guards all handle
 * tables, objects and queues, which keeps each operation a short critical
 * section with no lock ordering to get wrong. In the kernel it is the
 * scheduler's lock, so that queueing a thread here and blocking it there, or
 * finishing a transfer and waking the partner, is one atomic step.
 *
 * Badges: a message delivered through an endpoint carries the badge of the
 * handle its sender used; a reply carries badge 0.
 *
 * Peer death: an endpoint counts the handles that can send and the handles
 * that can receive. When the last receiving handle closes, queued senders
 * (and later sends) fail with -EPEERDIED; when the last sending handle
 * closes, queued receivers do. A caller whose request was taken waits on the
 * receiving thread's reply capability; if that thread dies, receives again
 * without replying, or the caller times out, the link is cut: the caller gets
 * -EPEERDIED (or -ETIMEDOUT), a later reply gets -EPEERDIED and harms nothing.
 */
#ifndef BORA_IPC_H
#define BORA_IPC_H

#include <bora/handle.h>
#include <bora/kobject.h>
#include <bora/spinlock.h>

#ifndef CONFIG_IPC_MSG_WORDS
#define CONFIG_IPC_MSG_WORDS 4
#endif
_Static_assert(CONFIG_IPC_MSG_WORDS >= 1 && CONFIG_IPC_MSG_WORDS <= IPC_MSG_WORDS_MAX,
               "CONFIG_IPC_MSG_WORDS must fit the message registers a2..a5");

/*
 * Returned by an operation that queued the calling thread: above every handle
 * number, so a syscall that returns a new handle is never mistaken for it.
 */
#define IPC_BLOCKED 0x10000
_Static_assert(IPC_BLOCKED > IPC_HANDLE_MAX, "IPC_BLOCKED must not be a handle number");

/* The IPC lock, from the environment: returns / takes the interrupt state to restore. */
unsigned long ipc_lock(void);
void ipc_unlock(unsigned long flags);

enum ipc_state {
	IPC_IDLE,
	IPC_SEND_BLOCKED, /* queued on an endpoint's senders (a send or the first half of a call) */
	IPC_RECV_BLOCKED, /* queued on an endpoint's receivers */
	IPC_REPLY_BLOCKED,  /* a call was taken: waiting on the receiver's reply capability */
	IPC_NOTIFY_BLOCKED, /* queued on a notification */
};

struct ipc_thread;

struct ipc_queue {
	struct ipc_thread *head, *tail;
};

struct ipc_msg {
	uint64_t words[IPC_MSG_WORDS_MAX];
	uint32_t nwords;
	uint32_t len;    /* buffer bytes in ipc_thread.buf */
	uint64_t badge;  /* received: the badge of the handle the sender used */
	int32_t handle;  /* received: the granted handle's number in our table, or -1 */
	uint32_t rights; /* received: its rights */
	uint64_t flags;  /* received: IPC_INFO_TRUNCATED, IPC_INFO_GRANT_LOST */
};

/* The IPC side of a thread; the scheduler's struct thread embeds one. */
struct ipc_thread {
	struct ipc_thread *qnext, *qprev;
	struct ipc_queue *queue; /* the queue we sit on while SEND/RECV/NOTIFY_BLOCKED */
	enum ipc_state state;
	bool call;                  /* our send is a call: after delivery wait for the reply */
	bool grant_back;            /* our call used a handle with GRANT: the reply may grant */
	struct handle_table *table; /* our task's handles (grants land there) */

	/* Outgoing while sending; incoming once received. */
	struct ipc_msg msg;
	uint64_t send_badge; /* badge of the handle used for the queued send */
	uint8_t *buf;        /* kernel staging buffer (IPC_BUF_MAX bytes) or NULL */
	uint32_t buf_cap;    /* bytes we accept into buf */
	uint64_t ubuf;       /* the syscall's user buffer, where received bytes go */

	/* A handle travelling with our outgoing message (one reference held). */
	struct kobject *grant;
	uint32_t grant_rights;
	uint64_t grant_badge;

	/* One-shot reply capability: the caller we owe a reply (receiver side) ... */
	struct ipc_thread *reply_to;
	bool reply_lost; /* ... or that caller went away (the reply then gets -EPEERDIED) */
	/* ... and, caller side, who holds ours while IPC_REPLY_BLOCKED. */
	struct ipc_thread *replier;

	uint64_t notify_bits; /* what a notification wait took */
	long result;          /* what a blocked operation finished with */
	long reply_result;    /* the reply half of the last reply_recv */
	void *owner;          /* the environment's thread (struct thread *), for ipc_env_wake */
};

struct ipc_endpoint {
	struct kobject obj;
	struct ipc_queue senders, receivers;
	uint32_t send_handles, recv_handles;
};

struct ipc_notification {
	struct kobject obj;
	uint64_t word;
	struct ipc_queue waiters;
	uint32_t signallers; /* handles with SEND plus bound interrupts: 0 fails the waiters */
};

/*
 * An interrupt a task handles: when it fires, the kernel masks the source and
 * signals the bound notification with `bits`; the task acknowledges with
 * SYS_IRQ_ACK, which unmasks it. Created by the kernel for the devices it
 * hands to user mode; binding and acknowledging need MAP on its handle.
 */
struct ipc_irq {
	struct kobject obj;
	uint32_t irq;
	struct ipc_notification *bound; /* one reference held */
	uint64_t bits;
	bool pending; /* fired and masked until acknowledged */
	bool console; /* the console UART's: the kernel takes the source back when it goes */
	uint64_t count;
};

/* A device's MMIO page(s) a task may map (MAP right), R/W, never executable. */
struct ipc_devpage {
	struct kobject obj;
	uint64_t phys;
	uint64_t size; /* whole pages */
};

/* Provided by the environment (the kernel's ipc.c, or a test): make t runnable. */
void ipc_env_wake(struct ipc_thread *t);

void ipc_thread_init(struct ipc_thread *t, struct handle_table *table, void *owner);

/* New objects hold one reference, the creator's: install a handle, then kobject_put. */
struct ipc_endpoint *ipc_endpoint_create(void);
struct ipc_notification *ipc_notification_create(void);

/*
 * Attach handle g of self's table to self's next message with rights (g's &
 * mask); -EBADHANDLE.. for a bad g. The message then needs GRANT on the
 * endpoint handle; ipc_send/call/reply drop an unused grant on every exit.
 */
int ipc_attach_grant(struct ipc_thread *self, long g, uint32_t mask);
void ipc_drop_grant(struct ipc_thread *self);

/*
 * Endpoint operations on handle h of self->table; self->msg (and buf, grant)
 * hold the outgoing message. `wait` false: do not queue (-ETIMEDOUT when no
 * partner is ready). A call that reached a receiver waits for the reply
 * whatever `wait` says: the receiver's death or a cancel ends that wait.
 */
int ipc_send(struct ipc_thread *self, long h, bool wait);
int ipc_call(struct ipc_thread *self, long h, bool wait);
int ipc_recv(struct ipc_thread *self, long h, bool wait);
/*
 * A reply carries badge 0; it may grant a handle only if the call was made
 * through a handle with GRANT (else -ENORIGHT).
 */
int ipc_reply(struct ipc_thread *self);
/* Reply (its outcome in self->reply_result, never an error of its own), then recv. */
int ipc_reply_recv(struct ipc_thread *self, long h, bool wait);

/* Notifications: signal ORs bits in and wakes the first waiter with everything. */
int ipc_notify_signal(struct ipc_thread *self, long h, uint64_t bits);
int ipc_notify_wait(struct ipc_thread *self, long h, bool wait);
void ipc_notification_signal(struct ipc_notification *n, uint64_t bits);
/* An interrupt binding counts as a signaller, like a handle with SEND. */
void ipc_notification_add_signaller(struct ipc_notification *n);
void ipc_notification_remove_signaller(struct ipc_notification *n);

/*
 * Take a blocked thread off whatever it waits on with `err` as its result (a
 * timeout: -ETIMEDOUT). Returns true if it was blocked; the caller wakes it.
 */
bool ipc_cancel(struct ipc_thread *t, long err);

/* A thread is dying: cancel its wait and fail the caller it owes a reply. */
void ipc_thread_exit(struct ipc_thread *t);

/* The consistency checker of the tests: 0, or -ECORRUPT with a reason. */
int ipc_endpoint_validate(const struct ipc_endpoint *ep, char *why, size_t why_len);
int ipc_notification_validate(const struct ipc_notification *n, char *why, size_t why_len);

/*
 * A new interrupt object; the environment connects its handler (calling
 * ipc_irq_fire) with the source masked until the first bind.
 */
struct ipc_irq *ipc_irq_create(uint32_t irq);
struct ipc_devpage *ipc_devpage_create(uint64_t phys, uint64_t size);
/* Bind interrupt handle h (MAP) to notification handle n (SEND): it signals `bits` (non-zero). */
int ipc_irq_bind(struct ipc_thread *self, long h, long n, uint64_t bits);
/* Unmask the source after handling it (MAP); 0 also when nothing was pending. */
int ipc_irq_ack(struct ipc_thread *self, long h);
/* From the interrupt handler (takes the IPC lock): mask, mark pending, signal. */
void ipc_irq_fire(struct ipc_irq *q);
/*
 * Check device-page handle h (MAP) for a mapping at user address va: 0 and
 * *phys, *size, or -EINVAL (va not page-aligned), -EFAULT (outside the user
 * half). The caller maps after dropping the IPC lock.
 */
int ipc_devpage_check(struct ipc_thread *self, long h, uint64_t va, uint64_t *phys, uint64_t *size);

/* Shared by the endpoint and notification halves (and inline in the fast paths). */
static inline void ipc_queue_push(struct ipc_queue *q, struct ipc_thread *t)
{
	t->qnext = NULL;
	t->qprev = q->tail;
	if (q->tail)
		q->tail->qnext = t;
	else
		q->head = t;
	q->tail = t;
	t->queue = q;
}

void ipc_queue_remove(struct ipc_queue *q, struct ipc_thread *t);
struct ipc_thread *ipc_queue_pop(struct ipc_queue *q);
int ipc_queue_validate(const struct ipc_queue *q, enum ipc_state state, char *why, size_t why_len);
void ipc_finish(struct ipc_thread *t, long result);

#endif
