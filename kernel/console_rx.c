// SPDX-License-Identifier: MIT
/*
 * Console input. With a UART interrupt, the handler moves every byte the UART
 * holds into a ring buffer; a reader takes them from the ring and sleeps in
 * wfi while it is empty. When the ring fills, the UART's receive interrupt is
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
#include <bora/printk.h>
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
	bool throttled; /* receive interrupt held off while the ring is full */
	bool waiting;   /* a reader sleeps for input (the poll keeps going) */
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

static void rx_irq(void *arg)
{
	(void)arg;
	spin_lock(&rx.lock);
	drain_uart();
	spin_unlock(&rx.lock);
}

static void rx_poll(struct timeout *t)
{
	bool again;

	(void)t;
	spin_lock(&rx.lock);
	drain_uart();
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
		return;
	}
	rx.mode = "interrupt";
}

int console_getc(void)
{
	unsigned long flags = spin_lock_irqsave(&rx.lock);
	int c = ring_pop();

	if (c < 0) /* interrupts may be off (a syscall): look at the UART itself */
		c = console_hw_getc();
	spin_unlock_irqrestore(&rx.lock, flags);
	return c;
}

int console_getc_wait(void)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&rx.lock);
		int c = ring_pop();

		if (c < 0 && (!flags || rx.mode[0] == 'o'))
			c = console_hw_getc(); /* nothing would wake us: poll */
		if (c >= 0) {
			rx.waiting = false;
			spin_unlock_irqrestore(&rx.lock, flags);
			return c;
		}
		if (!flags || rx.mode[0] == 'o') {
			spin_unlock_irqrestore(&rx.lock, flags);
			continue;
		}
		rx.waiting = true;
		if (!rx.irq && !timeout_pending(&rx.poll))
			timeout_arm(&rx.poll,
			            timer_now() + timer_ms_to_ticks(CONFIG_CONSOLE_POLL_MS),
			            rx_poll);
		spin_unlock(&rx.lock);
		idle_wfi();
		arch_irq_restore(flags); /* the interrupt that woke us is taken here */
	}
}

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
