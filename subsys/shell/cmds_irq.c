// SPDX-License-Identifier: MIT
/* Shell commands for interrupts and time: `irq` and `uptime`. */
#include <bora/console.h>
#include <bora/irq.h>
#include <bora/plic.h>
#include <bora/printk.h>
#include <bora/shell.h>
#include <bora/smp.h>
#include <bora/timer.h>

static int cmd_irq(int argc, char *argv[])
{
	const struct plic *plic = irq_plic();
	struct console_rx_stats rx;

	(void)argc;
	(void)argv;
	if (plic)
		printk("PLIC: %u sources, context %u (from the %s)\n", irq_source_count(),
		       plic->context, irq_controller_source());
	else
		printk("PLIC: none\n");
	printk("  SOURCE            COUNT  STATE\n");
	for (unsigned int i = 1; plic && i <= irq_source_count(); i++) {
		bool on = plic_is_enabled(plic, i);

		if (on || irq_count(i))
			printk("  %6u %16llu  %s\n", i, (unsigned long long)irq_count(i),
			       on ? "enabled" : "masked");
	}
	printk("  timer  %16llu\n", (unsigned long long)irq_cause_count(IRQ_CAUSE_S_TIMER));
	printk("  ipi    %16llu\n", (unsigned long long)irq_cause_count(IRQ_CAUSE_S_SOFT));
	printk("  spurious %14llu\n", (unsigned long long)irq_spurious_count());
	console_rx_stats(&rx);
	if (rx.irq)
		printk("console input: interrupt %u, %llu bytes, ring %zu bytes, held off %llu "
		       "times\n",
		       rx.irq, (unsigned long long)rx.bytes, rx.ring_size,
		       (unsigned long long)rx.throttled);
	else
		printk("console input: %s, %llu bytes\n", rx.mode, (unsigned long long)rx.bytes);
	return 0;
}

static void print_seconds(uint64_t ticks)
{
	uint64_t us = timer_ticks_to_us(ticks);

	printk("%llu.%06llu s", (unsigned long long)(us / 1000000),
	       (unsigned long long)(us % 1000000));
}

static int cmd_uptime(int argc, char *argv[])
{
	uint64_t now = timer_now(), idle = idle_ticks();
	unsigned int harts = smp_online_count() ? smp_online_count() : 1;
	/* Per mille of the harts' combined time, without a 64-bit product that could overflow. */
	uint64_t idle_pm = now >= 1000 ? idle / harts / (now / 1000) : 0;

	(void)argc;
	(void)argv;
	if (idle_pm > 1000)
		idle_pm = 1000;
	printk("up ");
	print_seconds(now);
	printk(", idle ");
	print_seconds(idle);
	printk(" = %llu.%llu%% of %u hart%s, %llu Hz time CSR, timer %s, %s\n",
	       (unsigned long long)(idle_pm / 10), (unsigned long long)(idle_pm % 10), harts,
	       harts == 1 ? "" : "s", (unsigned long long)timer_freq(), timer_method(),
	       timer_tick_ticks() ? "periodic tick" : "tickless");
	return 0;
}

SHELL_CMD(irq, "", "interrupt counts per PLIC source, timer, IPI and spurious", 0, 0, cmd_irq);
SHELL_CMD(uptime, "", "time since reset and the share spent idle in wfi", 0, 0, cmd_uptime);
