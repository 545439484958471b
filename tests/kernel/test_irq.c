// SPDX-License-Identifier: MIT
/*
 * Interrupts on the real PLIC. A real source: QEMU virt's goldfish RTC
 * (google,goldfish-rtc, registers from QEMU's hw/rtc/goldfish_rtc.c: an alarm
 * in the past raises its level interrupt at once, CLEAR_INTERRUPT lowers it).
 * It is claimed, handled with interrupts off and nesting raised, counted and
 * completed; with no handler connected it is counted as spurious and masked,
 * and the kernel runs on. Argument checks run on every board.
 */
#include <bora/console.h>
#include <bora/devicetree.h>
#include <bora/errno.h>
#include <bora/irq.h>
#include <bora/irqflags.h>
#include <bora/ktest.h>
#include <bora/mm.h>
#include <bora/percpu.h>
#include <bora/plic.h>
#include <bora/remap.h>
#include <bora/timer.h>

#define RTC_ALARM_LOW       0x08
#define RTC_ALARM_HIGH      0x0c
#define RTC_IRQ_ENABLED     0x10
#define RTC_CLEAR_INTERRUPT 0x1c

static struct {
	volatile uint32_t *regs;
	unsigned int irq;
	unsigned int handled;
	unsigned int nesting;
	bool irqs_were_on;
} rtc;

static bool find_rtc(void)
{
	const struct fdt *fdt = dt_get();
	int node = dt_find_compatible("google,goldfish-rtc");
	struct fdt_range reg;
	uint32_t irq;

	if (!irq_plic() || node < 0 || fdt_reg(fdt, node, 0, &reg) != 0 ||
	    fdt_node_irq(fdt, node, &irq) != 0 || remap_mmio(reg.base, 0x20) != 0)
		return false;
	rtc.regs = phys_to_virt(reg.base);
	rtc.irq = irq;
	return true;
}

static void rtc_write(uint32_t off, uint32_t v)
{
	rtc.regs[off / 4] = v;
}

/* An alarm at 1 ns after the epoch: already due, so the RTC raises its line now. */
static void rtc_fire(void)
{
	rtc_write(RTC_IRQ_ENABLED, 1);
	rtc_write(RTC_ALARM_HIGH, 0);
	rtc_write(RTC_ALARM_LOW, 1);
}

static void rtc_quiet(void)
{
	rtc_write(RTC_IRQ_ENABLED, 0);
	rtc_write(RTC_CLEAR_INTERRUPT, 1);
}

static void rtc_handler(void *arg)
{
	*(unsigned int *)arg += 1;
	rtc.nesting = this_cpu()->irq_nesting;
	rtc.irqs_were_on = arch_irqs_enabled();
	rtc_write(RTC_CLEAR_INTERRUPT, 1);
}

/* Sleep in wfi until `done()` or 2 s of guest time. */
static bool wait_for(bool (*done)(void))
{
	uint64_t limit = timer_now() + timer_ms_to_ticks(2000);

	while (!done() && timer_now() < limit) {
		unsigned long flags = arch_irq_save();

		if (!done())
			idle_wfi();
		arch_irq_restore(flags);
	}
	return done();
}

static bool rtc_handled(void)
{
	return __atomic_load_n(&rtc.handled, __ATOMIC_RELAXED) != 0;
}

static uint64_t spurious_before;

static bool spurious_seen(void)
{
	return irq_spurious_count() > spurious_before;
}

static void count_handler(void *arg)
{
	*(int *)arg += 1;
}

KTEST(irq, connect_checks_its_arguments)
{
	unsigned int n = irq_source_count();
	static int dummy;

	if (!irq_plic()) {
		KTEST_ASSERT_EQ(irq_connect(1, count_handler, &dummy), -ENODEV);
		KTEST_ASSERT_EQ(irq_enable(1), -ENODEV);
		return;
	}
	KTEST_ASSERT(n > 0 && n < IRQ_MAX_SOURCES);
	KTEST_ASSERT_EQ(irq_connect(0, count_handler, &dummy), -EINVAL);
	KTEST_ASSERT_EQ(irq_connect(n + 1, count_handler, &dummy), -EINVAL);
	KTEST_ASSERT_EQ(irq_connect(n, NULL, &dummy), -EINVAL);
	/*
	 * QEMU 7.2's PLIC implements sources 1..ndev-1 only (its enable bit for
	 * source ndev does not stick), so the round trip uses ndev - 1.
	 */
	KTEST_ASSERT_EQ(irq_enable(n - 1), -ENOENT);
	KTEST_ASSERT_EQ(irq_disconnect(n - 1), -ENOENT);
	KTEST_ASSERT_EQ(irq_connect(n - 1, count_handler, &dummy), 0);
	KTEST_ASSERT_EQ(irq_connect(n - 1, count_handler, &dummy), -EBUSY);
	KTEST_ASSERT_EQ(irq_enable(n - 1), 0);
	KTEST_ASSERT(plic_is_enabled(irq_plic(), n - 1));
	KTEST_ASSERT_EQ(irq_disable(n - 1), 0);
	KTEST_ASSERT(!plic_is_enabled(irq_plic(), n - 1));
	KTEST_ASSERT_EQ(irq_disconnect(n - 1), 0);
	KTEST_ASSERT_EQ(irq_count(0), 0);
	KTEST_ASSERT_EQ(irq_count(IRQ_MAX_SOURCES), 0);
}

KTEST(irq, console_uart_source_is_enabled)
{
	struct console_rx_stats rx;
	static int dummy;

	console_rx_stats(&rx);
	/* No PLIC, or a console with no UART of its own (the SBI console): it polls. */
	if (!irq_plic() || !console_dt_compatible()) {
		KTEST_ASSERT_EQ(rx.irq, 0);
		KTEST_ASSERT(rx.mode[0] == 'p'); /* "poll" */
		return;
	}
	/* The console connected its UART's source (qemu_virt 10, sifive_u 4) at boot. */
	KTEST_ASSERT(rx.irq != 0);
	KTEST_ASSERT_EQ(irq_connect(rx.irq, count_handler, &dummy), -EBUSY);
	KTEST_ASSERT(plic_is_enabled(irq_plic(), rx.irq));
}

KTEST(irq, real_source_is_claimed_handled_and_completed)
{
	uint64_t before;

	if (!find_rtc())
		KTEST_SKIP("no goldfish RTC on this board");
	before = irq_count(rtc.irq);
	rtc.handled = 0;
	KTEST_ASSERT_EQ(irq_connect(rtc.irq, rtc_handler, &rtc.handled), 0);
	KTEST_ASSERT_EQ(irq_enable(rtc.irq), 0);
	rtc_fire();
	KTEST_ASSERT(wait_for(rtc_handled));
	rtc_quiet();
	irq_disable(rtc.irq);
	irq_disconnect(rtc.irq);
	KTEST_ASSERT_EQ(rtc.handled, 1);
	KTEST_ASSERT_EQ(irq_count(rtc.irq), before + 1);
	KTEST_ASSERT(rtc.nesting > 0);
	KTEST_ASSERT(!rtc.irqs_were_on);
	KTEST_ASSERT_EQ(this_cpu()->irq_nesting, 0);
	/* Completed: a second alarm is delivered again. */
	rtc.handled = 0;
	KTEST_ASSERT_EQ(irq_connect(rtc.irq, rtc_handler, &rtc.handled), 0);
	KTEST_ASSERT_EQ(irq_enable(rtc.irq), 0);
	rtc_fire();
	KTEST_ASSERT(wait_for(rtc_handled));
	rtc_quiet();
	irq_disable(rtc.irq);
	irq_disconnect(rtc.irq);
}

KTEST(irq, unconnected_source_is_counted_as_spurious_and_masked)
{
	const struct plic *plic = irq_plic();

	if (!find_rtc())
		KTEST_SKIP("no goldfish RTC on this board");
	spurious_before = irq_spurious_count();
	/* Unmask it behind the kernel's back, with nobody connected. */
	plic_set_priority(plic, rtc.irq, 1);
	plic_enable(plic, rtc.irq);
	rtc_fire();
	KTEST_ASSERT(wait_for(spurious_seen));
	rtc_quiet();
	plic_set_priority(plic, rtc.irq, 0);
	KTEST_ASSERT_EQ(irq_spurious_count(), spurious_before + 1);
	KTEST_ASSERT(!plic_is_enabled(plic, rtc.irq)); /* masked so it cannot storm */
}
