// SPDX-License-Identifier: MIT
/*
 * Supervisor interrupt dispatch. The trap path calls irq_trap() for every
 * scause with the interrupt bit set (privileged spec 4.1.9); the hart has
 * cleared sstatus.SIE on entry, so handlers run with interrupts off until
 * sret restores SPIE. External interrupts are drained from the PLIC with
 * claim/complete until it reports no source (PLIC specification 1.0.0,
 * chapter 8), so a second device interrupting meanwhile costs no extra trap.
 */
#include <bora/errno.h>
#include <bora/irq.h>
#include <bora/mm.h>
#include <bora/percpu.h>
#include <bora/plic.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/spinlock.h>
#include <bora/timer.h>
#include <asm/csr.h>
#include <asm/trap.h>

#define SIE_SSIE (1UL << IRQ_CAUSE_S_SOFT)
#define SIE_SEIE (1UL << IRQ_CAUSE_S_EXT)
#define SIP_SSIP (1UL << IRQ_CAUSE_S_SOFT)

/* PLIC priorities are 1..7 on QEMU; every source gets the same, threshold 0 admits all. */
#define IRQ_DEFAULT_PRIORITY 1

struct irq_source {
	irq_handler_t handler;
	void *arg;
	uint64_t count;
};

static struct {
	struct plic plic;
	const char *from; /* "devicetree", "Kconfig", or NULL: no PLIC */
	spinlock_t lock;  /* handler table and enable bits */
	struct irq_source src[IRQ_MAX_SOURCES];
	uint64_t spurious;
	uint64_t cause_count[16];
	uint64_t idle_ticks[PERCPU_MAX_HARTS]; /* each hart adds only to its own */
	bool spurious_reported;
} irqs = {.lock = SPINLOCK_INIT};

/* Without SMP: nothing posts requests, only the pending bit is cleared. */
__attribute__((weak)) void ipi_handle(void)
{
	__asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP) : "memory");
}

__attribute__((weak)) void sched_irq_exit(void)
{
}

static void note_spurious(const char *what, unsigned long id)
{
	irqs.spurious++;
	if (!irqs.spurious_reported) {
		irqs.spurious_reported = true;
		printk("irq: spurious interrupt (%s %lu), ignored; `irq` shows the count\n", what,
		       id);
	}
}

static void __attribute__((noinline)) plic_drain(void)
{
	uint32_t id;

	if (!irqs.from) {
		note_spurious("external interrupt without a PLIC", 0);
		return;
	}
	while ((id = plic_claim(&irqs.plic)) != 0) {
		struct irq_source *s = id < IRQ_MAX_SOURCES ? &irqs.src[id] : NULL;

		if (s && s->handler) {
			s->count++;
			s->handler(s->arg);
		} else {
			if (s)
				s->count++;
			/* Nobody will ever clear it: mask it so it cannot storm. */
			plic_disable(&irqs.plic, id);
			note_spurious("unconnected PLIC source", id);
		}
		plic_complete(&irqs.plic, id);
	}
}

static void __attribute__((noinline)) unknown_cause(uint64_t cause)
{
	if (cause < ARRAY_SIZE(irqs.cause_count))
		__atomic_fetch_add(&irqs.cause_count[cause], 1, __ATOMIC_RELAXED);
	note_spurious("interrupt cause", (unsigned long)cause);
}

static inline void count_cause(unsigned int cause)
{
	__atomic_fetch_add(&irqs.cause_count[cause], 1, __ATOMIC_RELAXED);
}

/*
 * The dispatch itself: the hart-local causes inline, the PLIC and the odd
 * cases out of line, so the common interrupts pay for no register saves
 * beyond their own handler's. The timer's interrupts are counted by its
 * driver (timer_irq_count), which irq_cause_count reports. No frame pointer
 * (as the scheduler's fast paths, <bora/sched.h>), and the hart is read from
 * tp again after the handler rather than kept in a saved register: the frame
 * holds only the return address.
 */
__attribute__((optimize("omit-frame-pointer"))) void irq_entry(uint64_t scause)
{
	uint64_t cause = scause & ~SCAUSE_INTERRUPT;
	struct percpu *cpu;

	this_cpu()->irq_nesting++;
	if (cause == IRQ_CAUSE_S_TIMER) {
		timer_irq_handle();
	} else if (cause == IRQ_CAUSE_S_SOFT) {
		count_cause(IRQ_CAUSE_S_SOFT);
		ipi_handle(); /* clears sip.SSIP first */
	} else if (cause == IRQ_CAUSE_S_EXT) {
		count_cause(IRQ_CAUSE_S_EXT);
		plic_drain();
	} else {
		unknown_cause(cause);
	}
	cpu = this_cpu();
	cpu->irq_nesting--;
	if (cpu->need_resched)
		sched_irq_exit(); /* which counts on need_resched being set */
}

void irq_trap(struct trap_frame *tf)
{
	irq_entry(tf->scause);
}

/* The four register pages this hart uses (priorities, pending, its enables, its context). */
static uint64_t plic_page(uint64_t base, unsigned int context, int i)
{
	static const uint32_t first[2] = {PLIC_PRIORITY_BASE, PLIC_PENDING_BASE};

	if (i < 2)
		return base + first[i];
	return ALIGN_DOWN(
	    base + (i == 2 ? plic_enable_offset(context, 0) : plic_threshold_offset(context)),
	    PAGE_SIZE);
}

static int map_plic(uint64_t base, unsigned int context)
{
	for (int i = 0; i < 4; i++) {
		int err = remap_mmio(plic_page(base, context, i), PAGE_SIZE);

		if (err)
			return err;
	}
	return 0;
}

void irq_init(void)
{
	uint64_t base = 0;
	unsigned int ndev = 0, context = 0;
	const char *from = plic_probe(&base, &ndev, &context);
	int err;

	__asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE) : "memory");
	if (!from) {
		printk("irq: no PLIC on this board; timer and software interrupts only\n");
		return;
	}
	err = map_plic(base, context);
	if (err) {
		printk("irq: PLIC at %#lx is not mapped (%s); external interrupts stay off\n",
		       (unsigned long)base, errno_name(err));
		return;
	}
	if (ndev >= IRQ_MAX_SOURCES) {
		printk("irq: PLIC has %u sources, handling 1..%u\n", ndev, IRQ_MAX_SOURCES - 1);
		ndev = IRQ_MAX_SOURCES - 1;
	}
	irqs.plic =
	    (struct plic){.base = (uintptr_t)phys_to_virt(base), .ndev = ndev, .context = context};
	err = plic_hw_init(&irqs.plic);
	if (err) {
		printk("irq: PLIC setup refused (%s)\n", errno_name(err));
		return;
	}
	irqs.from = from;
	__asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE) : "memory");
	printk("irq: PLIC at %#lx, %u sources, context %u (%s)\n", (unsigned long)base, ndev,
	       context, from);
}

static int check_source(unsigned int irq)
{
	if (!irqs.from)
		return -ENODEV;
	if (irq == 0 || irq > irqs.plic.ndev)
		return -EINVAL;
	return 0;
}

int irq_connect(unsigned int irq, irq_handler_t handler, void *arg)
{
	unsigned long flags;
	int err = check_source(irq);

	if (err)
		return err;
	if (!handler)
		return -EINVAL;
	flags = spin_lock_irqsave(&irqs.lock);
	if (irqs.src[irq].handler) {
		err = -EBUSY;
	} else {
		irqs.src[irq].arg = arg;
		irqs.src[irq].handler = handler;
		plic_set_priority(&irqs.plic, irq, IRQ_DEFAULT_PRIORITY);
	}
	spin_unlock_irqrestore(&irqs.lock, flags);
	return err;
}

int irq_disconnect(unsigned int irq)
{
	unsigned long flags;
	int err = check_source(irq);

	if (err)
		return err;
	flags = spin_lock_irqsave(&irqs.lock);
	if (!irqs.src[irq].handler) {
		err = -ENOENT;
	} else {
		plic_disable(&irqs.plic, irq);
		plic_set_priority(&irqs.plic, irq, 0);
		irqs.src[irq].handler = NULL;
		irqs.src[irq].arg = NULL;
	}
	spin_unlock_irqrestore(&irqs.lock, flags);
	return err;
}

static int set_enabled(unsigned int irq, bool on)
{
	unsigned long flags;
	int err = check_source(irq);

	if (err)
		return err;
	flags = spin_lock_irqsave(&irqs.lock);
	if (!irqs.src[irq].handler)
		err = -ENOENT;
	else if (on)
		plic_enable(&irqs.plic, irq);
	else
		plic_disable(&irqs.plic, irq);
	spin_unlock_irqrestore(&irqs.lock, flags);
	return err;
}

int irq_enable(unsigned int irq)
{
	return set_enabled(irq, true);
}

int irq_disable(unsigned int irq)
{
	return set_enabled(irq, false);
}

uint64_t irq_count(unsigned int irq)
{
	return irq < IRQ_MAX_SOURCES ? irqs.src[irq].count : 0;
}

uint64_t irq_spurious_count(void)
{
	return irqs.spurious;
}

unsigned int irq_source_count(void)
{
	return irqs.from ? irqs.plic.ndev : 0;
}

const char *irq_controller_source(void)
{
	return irqs.from ? irqs.from : "none";
}

uint64_t irq_cause_count(unsigned int cause)
{
	if (cause == IRQ_CAUSE_S_TIMER)
		return timer_irq_count();
	return cause < ARRAY_SIZE(irqs.cause_count) ? irqs.cause_count[cause] : 0;
}

const struct plic *irq_plic(void)
{
	return irqs.from ? &irqs.plic : NULL;
}

void idle_wfi(void)
{
	uint64_t t0 = timer_now();

	__asm__ volatile("wfi" ::: "memory");
	irqs.idle_ticks[this_cpu()->index] += timer_now() - t0;
}

uint64_t idle_ticks(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++)
		sum += __atomic_load_n(&irqs.idle_ticks[i], __ATOMIC_RELAXED);
	return sum;
}
