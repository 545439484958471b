// SPDX-License-Identifier: MIT
/*
 * RISC-V supervisor timer. The clock is the time CSR (privileged spec 3.2.1,
 * read with rdtime); its rate is /cpus/timebase-frequency. One interrupt
 * (scause 5, STIP) is requested either by writing the Sstc extension's
 * stimecmp CSR (Sstc 1.0: STIP is set while time >= stimecmp) when the boot
 * hart's ISA lists "sstc", or through the SBI TIME extension's set_timer
 * (SBI spec chapter 6), falling back to the legacy set_timer call (EID 0).
 * Either way, a deadline of UINT64_MAX clears STIP and requests nothing.
 */
#include <bora/devicetree.h>
#include <bora/percpu.h>
#include <bora/printk.h>
#include <bora/timeout.h>
#include <bora/timer.h>
#include <bora/trap.h>
#include <asm/csr.h>
#include <asm/sbi.h>

#define CSR_STIMECMP     0x14d
#define SIE_STIE         (1UL << 5)
#define SBI_EXT_TIME     0x54494D45 /* "TIME" */
#define SBI_EXT_LEGACY_0 0x00       /* v0.1 set_timer */

enum timer_via { VIA_SBI_LEGACY, VIA_SBI_TIME, VIA_SSTC };

static struct {
	enum timer_via via;
	uint64_t freq;
	uint64_t tick;      /* periodic mode: ticks per tick interrupt; 0 when tickless */
	uint64_t next_tick; /* periodic mode: when the next tick interrupt is due */
	uint64_t irqs;
} tmr = {.freq = CONFIG_TIMER_FREQ_HZ};

uint64_t timer_now(void)
{
	return read_time();
}

uint64_t timer_freq(void)
{
	return tmr.freq;
}

uint64_t timer_tick_ticks(void)
{
	return tmr.tick;
}

uint64_t timer_irq_count(void)
{
	return tmr.irqs;
}

const char *timer_method(void)
{
	return tmr.via == VIA_SSTC ? "sstc" : tmr.via == VIA_SBI_TIME ? "sbi" : "sbi-legacy";
}

/* units * freq / per, rounded up, saturating; split so units * freq cannot overflow. */
static uint64_t to_ticks(uint64_t units, uint64_t per)
{
	uint64_t whole = units / per, part = units % per;
	uint64_t frac = (part * tmr.freq + per - 1) / per; /* part < per <= 1e6, freq < 2^32 */

	if (whole > (UINT64_MAX - frac) / tmr.freq)
		return UINT64_MAX;
	return whole * tmr.freq + frac;
}

static uint64_t from_ticks(uint64_t ticks, uint64_t per)
{
	return ticks / tmr.freq * per + ticks % tmr.freq * per / tmr.freq;
}

uint64_t timer_ms_to_ticks(uint64_t ms)
{
	return to_ticks(ms, 1000);
}

uint64_t timer_us_to_ticks(uint64_t us)
{
	return to_ticks(us, 1000000);
}

uint64_t timer_ticks_to_ms(uint64_t ticks)
{
	return from_ticks(ticks, 1000);
}

uint64_t timer_ticks_to_us(uint64_t ticks)
{
	return from_ticks(ticks, 1000000);
}

void timer_set_deadline(uint64_t abs)
{
	if (likely(tmr.via == VIA_SSTC)) {
		__asm__ volatile("csrw %0, %1" ::"i"(CSR_STIMECMP), "r"(abs) : "memory");
		return;
	}
	switch (tmr.via) {
	case VIA_SSTC:
		__asm__ volatile("csrw %0, %1" ::"i"(CSR_STIMECMP), "r"(abs) : "memory");
		break;
	case VIA_SBI_TIME:
		sbi_call(SBI_EXT_TIME, 0, (long)abs, 0, 0);
		break;
	case VIA_SBI_LEGACY:
		sbi_call(SBI_EXT_LEGACY_0, 0, (long)abs, 0, 0);
		break;
	}
}

void timer_next_deadline_changed(uint64_t deadline)
{
	/*
	 * Periodic: the tick finds it. In this hart's handler (percpu.in_timer):
	 * reprogrammed on the way out, so the deadlines its callbacks arm need
	 * no programming of their own. Per hart, as another hart arming
	 * meanwhile must program its own timer.
	 */
	if (tmr.tick == 0 && !this_cpu()->in_timer)
		timer_set_deadline(deadline);
}

static void __attribute__((noinline)) next_tick(uint64_t now)
{
	/* Skip ticks missed while interrupts were off rather than firing for each. */
	while (tmr.next_tick <= now)
		tmr.next_tick += tmr.tick;
	timer_set_deadline(tmr.next_tick);
}

/*
 * On the timer wake-up's path (docs/benchmarks.md): no frame pointer, and
 * what the frame keeps across the expiry is only `now`; Sstc's write inline.
 */
__attribute__((optimize("omit-frame-pointer"))) void timer_irq_handle(void)
{
	uint64_t now = timer_now(), next;

	__atomic_fetch_add(&tmr.irqs, 1, __ATOMIC_RELAXED); /* any hart's timer may fire */
	this_cpu()->in_timer = true;
	next = timeout_expire_next(now);
	this_cpu()->in_timer = false;
	if (tmr.tick)
		next_tick(now);
	else if (likely(tmr.via == VIA_SSTC))
		__asm__ volatile("csrw %0, %1" ::"i"(CSR_STIMECMP), "r"(next) : "memory");
	else
		timer_set_deadline(next);
}

static bool boot_hart_has_sstc(void)
{
	int cpu = dt_boot_cpu();

	return cpu >= 0 && fdt_cpu_has_extension(dt_get(), cpu, "sstc");
}

/*
 * The ISA string says what the hart implements; S-mode may still not use it:
 * stimecmp is an illegal instruction unless M-mode set menvcfg.STCE (Sstc
 * 1.0), which OpenSBI 1.1 does on QEMU virt but not on spike.
 */
static bool stimecmp_usable(void)
{
	struct trap_record r;

	trap_expect(EXC_ILLEGAL_INST);
	__asm__ volatile("csrw %0, %1" ::"i"(CSR_STIMECMP), "r"(UINT64_MAX) : "memory");
	r = trap_expect_result();
	return !r.hit;
}

static void read_frequency(void)
{
	const struct fdt *fdt = dt_get();
	int cpus = fdt ? fdt_path(fdt, "/cpus") : -1;
	uint32_t hz = 0;

	if (cpus >= 0 && fdt_prop_u32(fdt, cpus, "timebase-frequency", &hz) == 0 && hz != 0) {
		tmr.freq = hz;
		return;
	}
	printk("timer: warning: no /cpus/timebase-frequency in the device tree, using "
	       "CONFIG_TIMER_FREQ_HZ (%u Hz)\n",
	       (unsigned)CONFIG_TIMER_FREQ_HZ);
	tmr.freq = CONFIG_TIMER_FREQ_HZ;
}

void timer_init(void)
{
	read_frequency();
	if (boot_hart_has_sstc() && stimecmp_usable())
		tmr.via = VIA_SSTC;
	else if (boot_hart_has_sstc())
		printk("timer: the hart lists sstc but stimecmp traps (menvcfg.STCE clear); "
		       "using SBI\n");
	else if (sbi_probe_extension(SBI_EXT_TIME))
		tmr.via = VIA_SBI_TIME;
	else
		tmr.via = VIA_SBI_LEGACY;
#ifdef CONFIG_TICKLESS_KERNEL
	tmr.tick = 0;
	timer_set_deadline(UINT64_MAX);
	printk("timer: %llu Hz, %s, tickless\n", (unsigned long long)tmr.freq, timer_method());
#else
	tmr.tick = tmr.freq / CONFIG_SYS_CLOCK_TICKS_PER_SEC;
	if (tmr.tick == 0)
		tmr.tick = 1;
	tmr.next_tick = timeout_round_to_tick(timer_now() + 1, tmr.tick);
	timer_set_deadline(tmr.next_tick);
	printk("timer: %llu Hz, %s, periodic tick %u Hz\n", (unsigned long long)tmr.freq,
	       timer_method(), (unsigned)CONFIG_SYS_CLOCK_TICKS_PER_SEC);
#endif
	__asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE) : "memory");
}
