// SPDX-License-Identifier: MIT
/*
 * Console input. With a UART interrupt, the handler moves every byte the UART
 * holds into a ring buffer; a reader takes them from the ring and sleeps in
 * blocks on a semaphore while it is empty (other threads run, or the idle
 * thread sleeps in wfi). When the ring fills, the UART's receive interrupt is
 * held off until the reader makes room, so bytes wait in the UART's FIFO (and
 * QEMU's character backend, which stops feeding a device that cannot take
 * more) instead of being dropped. Without an interrupt (SBI console), a
 * timeout polls the console while a reader waits.
 */
#include <bora/console.h>
#include <bora/devicetree.h>
#include <bora/errno.h>
#include <bora/irq.h>
#include <bora/irqflags.h>
#include <bora/percpu.h>
#include <bora/printk.h>
#include <bora/sem.h>
#include <bora/spinlock.h>
#include <bora/timeout.h>
#include <bora/timer.h>

#define RX_RING_SIZE 256u /* a power of two; holds two full shell lines */

static struct {
	spinlock_t lock;
	uint8_t buf[RX_RING_SIZE];
	uint32_t head, tail; /* free-running: head - tail bytes are queued */
	const char *mode;
	unsigned int irq;
	bool throttled;        /* receive interrupt held off while the ring is full */
	bool waiting;          /* a reader sleeps for input (the poll keeps going) */
	unsigned int released; /* the source a user-mode UART server holds, 0 if none */
	struct sem ready;      /* given when bytes arrive; the reader blocks on it */
	uint64_t bytes, throttles;
	struct timeout poll;
} rx = {.lock = SPINLOCK_INIT, .mode = "off"};

static bool ring_full(void)
{
	return rx.head - rx.tail == RX_RING_SIZE;
}

/* Lock held. Move what the UART holds into the ring, holding the interrupt off when it fills. */
static void drain_uart(void)
{
	if (rx.released)
		return; /* the UART's input belongs to the user-mode server now */
	while (!ring_full()) {
		int c = console_hw_getc();

		if (c < 0)
			return;
		rx.buf[rx.head++ % RX_RING_SIZE] = (uint8_t)c;
		rx.bytes++;
	}
	if (rx.irq && !rx.throttled) {
		console_hw_rx_irq(false);
		rx.throttled = true;
		rx.throttles++;
	}
}

/* Lock held. */
static int ring_pop(void)
{
	int c;

	if (rx.head == rx.tail)
		return -1;
	c = rx.buf[rx.tail++ % RX_RING_SIZE];
	if (rx.throttled) {
		rx.throttled = false;
		console_hw_rx_irq(true);
	}
	return c;
}

/* Lock held: wake the reader when there is something to read (a binary semaphore). */
static void signal_reader(void)
{
	if (rx.head != rx.tail && sem_count(&rx.ready) == 0)
		sem_give(&rx.ready);
}

static void rx_irq(void *arg)
{
	(void)arg;
	spin_lock(&rx.lock);
	drain_uart();
	signal_reader();
	spin_unlock(&rx.lock);
}

static void rx_poll(struct timeout *t)
{
	bool again;

	(void)t;
	spin_lock(&rx.lock);
	drain_uart();
	signal_reader();
	again = rx.waiting && rx.head == rx.tail;
	spin_unlock(&rx.lock);
	if (again)
		timeout_arm(&rx.poll, timer_now() + timer_ms_to_ticks(CONFIG_CONSOLE_POLL_MS),
		            rx_poll);
}

/* The console UART's PLIC source: its node's "interrupts", else the board's Kconfig value. */
static unsigned int find_uart_irq(void)
{
	const struct fdt *fdt = dt_get();
	const char *compat = console_dt_compatible();
	uint32_t irq;

	if (!compat)
		return 0;
	if (fdt) {
		for (int node = fdt_find_compatible(fdt, -1, compat); node >= 0;
		     node = fdt_find_compatible(fdt, node, compat)) {
#ifdef CONFIG_UART_BASE
			struct fdt_range reg;

			if (fdt_reg(fdt, node, 0, &reg) != 0 || reg.base != CONFIG_UART_BASE)
				continue;
#endif
			if (fdt_node_irq(fdt, node, &irq) == 0)
				return irq;
		}
	}
#ifdef CONFIG_UART_IRQ
	printk("console: warning: no interrupt for the %s UART in the device tree, using "
	       "CONFIG_UART_IRQ %u\n",
	       compat, (unsigned)CONFIG_UART_IRQ);
	return CONFIG_UART_IRQ;
#else
	return 0;
#endif
}

void console_rx_init(void)
{
	unsigned int irq = find_uart_irq();
	int err = irq ? irq_connect(irq, rx_irq, NULL) : -ENODEV;

	sem_init(&rx.ready, 0, 1);
	if (!err) {
		rx.irq = irq;
		console_hw_rx_irq(true);
		err = irq_enable(irq);
	}
	if (err) {
		if (irq)
			printk("console: interrupt %u unusable (%s), polling every %u ms\n", irq,
			       errno_name(err), (unsigned)CONFIG_CONSOLE_POLL_MS);
		console_hw_rx_irq(false);
		rx.irq = 0;
		rx.mode = "poll";
		/*
		 * Ask once now: a byte that reaches spike's HTIF console before the
		 * firmware's first read request was seen lost, and input with it for good.
		 */
		spin_lock(&rx.lock);
		drain_uart();
		spin_unlock(&rx.lock);
		return;
	}
	rx.mode = "interrupt";
}

int console_getc(void)
{
	unsigned long flags = spin_lock_irqsave(&rx.lock);
	int c = ring_pop();

	if (c < 0 && !rx.released) /* interrupts may be off (a syscall): look at the UART itself */
		c = console_hw_getc();
	spin_unlock_irqrestore(&rx.lock, flags);
	return c;
}

int console_getc_wait(void)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&rx.lock);
		int c = ring_pop();
		/* Nothing could wake a sleeper: before console_rx_init, or with interrupts off. */
		bool must_poll = rx.mode[0] == 'o' || !flags || in_interrupt();

		if (c < 0 && must_poll)
			c = console_hw_getc();
		if (c >= 0 || must_poll) {
			if (c >= 0)
				rx.waiting = false;
			spin_unlock_irqrestore(&rx.lock, flags);
			if (c >= 0)
				return c;
			continue;
		}
		rx.waiting = true;
		if (!rx.irq && !rx.released && !timeout_pending(&rx.poll))
			timeout_arm(&rx.poll,
			            timer_now() + timer_ms_to_ticks(CONFIG_CONSOLE_POLL_MS),
			            rx_poll);
		spin_unlock_irqrestore(&rx.lock, flags);
		/* A give between the check above and this take leaves the count at 1: not lost. */
		sem_take(&rx.ready, FOREVER);
	}
}

#ifdef CONFIG_USER_CONSOLE_SERVER
int console_rx_release(unsigned int *irq)
{
	unsigned long flags = spin_lock_irqsave(&rx.lock);
	int err = rx.released ? -EBUSY : rx.irq ? 0 : -ENODEV;

	if (!err) {
		/* The UART's own enable too: the server sets it again when it is ready. */
		console_hw_rx_irq(false);
		irq_disconnect(rx.irq);
		*irq = rx.released = rx.irq;
		rx.irq = 0;
		rx.throttled = false;
		rx.mode = "user";
	}
	spin_unlock_irqrestore(&rx.lock, flags);
	return err;
}

void console_rx_reclaim(void)
{
	unsigned long flags = spin_lock_irqsave(&rx.lock);
	unsigned int irq = rx.released;

	/*
	 * No drain and no wake-up here (the caller may hold the scheduler's lock):
	 * bytes already waiting keep the UART's level interrupt up, and its
	 * handler takes them as soon as the source is unmasked.
	 */
	if (irq && irq_connect(irq, rx_irq, NULL) == 0) {
		rx.released = 0;
		rx.irq = irq;
		rx.mode = "interrupt";
		console_hw_rx_irq(true);
		irq_enable(irq);
	}
	spin_unlock_irqrestore(&rx.lock, flags);
}
#endif

void console_rx_stats(struct console_rx_stats *out)
{
	unsigned long flags = spin_lock_irqsave(&rx.lock);

	*out = (struct console_rx_stats){
	    .mode = rx.mode,
	    .irq = rx.irq,
	    .bytes = rx.bytes,
	    .throttled = rx.throttles,
	    .ring_size = RX_RING_SIZE,
	};
	spin_unlock_irqrestore(&rx.lock, flags);
}
