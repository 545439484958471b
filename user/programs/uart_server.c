// SPDX-License-Identifier: MIT
/*
 * The console UART's driver in user mode (CONFIG_USER_CONSOLE_SERVER). Started
 * with handles 0 = the UART's device page (MAP), 1 = its interrupt (MAP),
 * 2 = the endpoint it serves (RECV). It maps the NS16550A's registers, binds
 * the interrupt to a notification and serves <uart_proto.h> requests.
 *
 * Threads: the main thread takes the interrupts (drains the receive FIFO into
 * a ring, then acknowledges); WORKERS threads receive requests. A read with
 * nothing to read keeps its thread (and the reply capability it holds, one per
 * thread) until input arrives, so the other workers go on printing. A full
 * ring leaves the interrupt unacknowledged (masked) until a reader makes room:
 * the UART's FIFO and QEMU's character backend hold the rest, nothing is lost.
 */
#include <ipc.h>
#include <uart_proto.h>
#include <user.h>

#define H_PAGE 0
#define H_IRQ  1
#define H_EP   2

#define UART_VA  0x20000000UL /* below the programs' usual mmap area, above their image */
#define REG_RBR  0            /* NS16550A registers, byte-spaced on qemu_virt */
#define REG_THR  0
#define REG_IER  1
#define REG_LSR  5
#define IER_RX   0x01
#define LSR_DR   0x01
#define LSR_THRE 0x20

#define WORKERS   3
#define STACK     (16 * 1024)
#define RING      1024u
#define BIT_IRQ   1ull /* the interrupt fired */
#define BIT_ROOM  2ull /* a reader made room: drain again */
#define BIT_INPUT 1ull /* data notification: the ring has bytes */

static volatile uint8_t *uart;
static long irq_notif, data_notif;
static char ring[RING];
static unsigned int head, tail; /* free-running; under ring_lock */
static int ring_lock, tx_lock;
static int readers;
static unsigned long received;
static uint8_t bufs[WORKERS][IPC_BUF_MAX];

static void lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		sys_yield();
}

static void unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static void put(char c)
{
	while (!(uart[REG_LSR] & LSR_THRE))
		;
	uart[REG_THR] = (uint8_t)c;
}

static unsigned long do_write(const uint8_t *buf, unsigned long len)
{
	lock(&tx_lock);
	for (unsigned long i = 0; i < len; i++) {
		if (buf[i] == '\n')
			put('\r');
		put((char)buf[i]);
	}
	unlock(&tx_lock);
	return len;
}

static unsigned long do_read(uint8_t *buf, unsigned long want)
{
	unsigned long n = 0;
	bool more;

	__atomic_add_fetch(&readers, 1, __ATOMIC_RELAXED);
	lock(&ring_lock);
	while (head == tail) {
		unlock(&ring_lock);
		/* The word latches: a signal between the check and this wait is not lost. */
		notify_wait(data_notif, IPC_TIMEOUT_FOREVER, NULL);
		lock(&ring_lock);
	}
	while (n < want && tail != head)
		buf[n++] = (uint8_t)ring[tail++ % RING];
	more = tail != head;
	unlock(&ring_lock);
	__atomic_sub_fetch(&readers, 1, __ATOMIC_RELAXED);
	if (more)
		notify_signal(data_notif, BIT_INPUT); /* another reader may take the rest */
	notify_signal(irq_notif, BIT_ROOM);
	return n;
}

static void serve(struct ipc_msg *m, uint8_t *buf)
{
	uint64_t op = m->words[0], arg = m->words[1];
	unsigned long len = IPC_INFO_FIELD(m->info, LEN), out = 0;
	int64_t result = 0;

	m->words[1] = 0;
	if (op == UART_OP_WRITE) {
		result = (int64_t)do_write(buf, len);
	} else if (op == UART_OP_READ) {
		unsigned long want = arg;

		want = want > IPC_BUF_MAX ? IPC_BUF_MAX : want;
		out = want ? do_read(buf, want) : 0;
		result = (int64_t)out;
	} else if (op == UART_OP_STAT) {
		result = __atomic_load_n(&readers, __ATOMIC_RELAXED);
		m->words[1] = received;
	} else {
		result = -EINVAL;
	}
	m->words[0] = (uint64_t)result;
	m->info = ipc_info(2, (unsigned)out, IPC_BUF_MAX, IPC_TIMEOUT_FOREVER);
	m->buf = buf;
}

static void worker(void *arg)
{
	uint8_t *buf = bufs[(long)arg];
	struct ipc_msg m = {.info = ipc_info(0, 0, IPC_BUF_MAX, IPC_TIMEOUT_FOREVER), .buf = buf};
	long r = ipc_recv(H_EP, &m);

	for (;;) {
		if (r < 0) {
			/* Every sender gone (EPEERDIED): nothing to serve until a client comes. */
			sys_sleep(100);
			m = (struct ipc_msg){
			    .info = ipc_info(0, 0, IPC_BUF_MAX, IPC_TIMEOUT_FOREVER), .buf = buf};
			r = ipc_recv(H_EP, &m);
			continue;
		}
		serve(&m, buf);
		r = ipc_reply_recv(H_EP, &m);
	}
}

/* Move what the UART holds into the ring; acknowledge unless the ring is full. */
static void take_input(void)
{
	bool full, any;

	lock(&ring_lock);
	while (head - tail < RING && (uart[REG_LSR] & LSR_DR)) {
		ring[head++ % RING] = (char)uart[REG_RBR];
		received++;
	}
	full = head - tail == RING;
	any = head != tail;
	unlock(&ring_lock);
	if (any)
		notify_signal(data_notif, BIT_INPUT);
	if (!full)
		irq_ack(H_IRQ);
}

int main(int argc, char **argv)
{
	long err;

	(void)argc, (void)argv;
	err = devpage_map(H_PAGE, (void *)UART_VA);
	if (err) {
		printf("uart_server: map the UART page: %s\n", err_name(err));
		return 1;
	}
	uart = (volatile uint8_t *)UART_VA;
	irq_notif = notify_create();
	data_notif = notify_create();
	err = irq_notif < 0 ? irq_notif : data_notif < 0 ? data_notif : 0;
	if (!err)
		err = irq_bind(H_IRQ, irq_notif, BIT_IRQ);
	if (!err)
		err = irq_ack(H_IRQ); /* a previous server may have died with it masked */
	if (err) {
		printf("uart_server: interrupt: %s\n", err_name(err));
		return 1;
	}
	/*
	 * Said before the first worker starts: a client's output, waiting on the
	 * endpoint, cannot then land in the middle of this line.
	 */
	printf("uart_server: serving the UART (task %ld)\n", sys_task_id());
	for (long i = 0; i < WORKERS; i++) {
		uint8_t *stack = (uint8_t *)sys_mmap(NULL, STACK, PROT_READ | PROT_WRITE);

		if ((long)stack < 0 || sys_thread_create(worker, stack + STACK, (void *)i) < 0) {
			printf("uart_server: no worker thread\n");
			return 1;
		}
	}
	uart[REG_IER] = IER_RX;
	take_input(); /* bytes that arrived before the interrupt was ours */
	for (;;) {
		if (notify_wait(irq_notif, IPC_TIMEOUT_FOREVER, NULL) < 0)
			return 1;
		take_input();
	}
}
