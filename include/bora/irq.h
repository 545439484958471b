/* SPDX-License-Identifier: MIT */
/*
 * Interrupts (kernel/irq.c): the dispatch of supervisor interrupts taken by
 * the trap path, and the device interrupt sources behind the PLIC.
 *
 * Sources are numbered as the PLIC (and the device tree's "interrupts")
 * numbers them: 1..irq_source_count(). Handlers run with interrupts off on the
 * hart that took the interrupt; on the way out the scheduler gets its
 * preemption point (sched_irq_exit()).
 */
#ifndef BORA_IRQ_H
#define BORA_IRQ_H

#include <bora/types.h>

/* Sources the kernel keeps handlers and counts for; higher PLIC sources stay masked. */
#define IRQ_MAX_SOURCES 128

/* Hart-local interrupt causes (privileged spec, table 4.2; scause with bit 63 set). */
#define IRQ_CAUSE_S_SOFT  1
#define IRQ_CAUSE_S_TIMER 5
#define IRQ_CAUSE_S_EXT   9

typedef void (*irq_handler_t)(void *arg);

/* Find the PLIC (device tree, else Kconfig), mask every source, unmask external interrupts. */
void irq_init(void);

/*
 * Install `handler(arg)` for source `irq`; it stays masked until irq_enable().
 * -EINVAL for source 0 or one beyond the PLIC's count, -EBUSY if another
 * handler is installed, -ENODEV without a PLIC.
 */
int irq_connect(unsigned int irq, irq_handler_t handler, void *arg);
/* Remove the handler (masking the source first). -EINVAL, -ENOENT if none. */
int irq_disconnect(unsigned int irq);
/* Unmask / mask a connected source at the PLIC. -EINVAL, -ENODEV, -ENOENT (not connected). */
int irq_enable(unsigned int irq);
int irq_disable(unsigned int irq);

/* Times source `irq` was claimed (0 for an invalid number). */
uint64_t irq_count(unsigned int irq);
/*
 * Interrupts nobody handled: claims of an unconnected source (which is then
 * masked), claims that returned no source, unknown causes. The first one is
 * reported on the console; none is fatal.
 */
uint64_t irq_spurious_count(void);
/* Sources the PLIC implements (riscv,ndev, capped at IRQ_MAX_SOURCES - 1); 0 without one. */
unsigned int irq_source_count(void);
/* Where the PLIC settings came from: "devicetree", "Kconfig" or "none". */
const char *irq_controller_source(void);
/* Interrupts of each hart-local cause taken (IRQ_CAUSE_*), for `irq`. */
uint64_t irq_cause_count(unsigned int cause);

/* The PLIC in use (for tests), NULL without one. */
struct plic;
const struct plic *irq_plic(void);

/*
 * The trap path's entry for scause values with bit 63 set: irq_entry() from
 * trap_entry.S's interrupt path (only the registers a C call may clobber are
 * saved), irq_trap() from trap_handle() when the full frame was built.
 */
struct trap_frame;
void irq_entry(uint64_t scause);
void irq_trap(struct trap_frame *tf);

/* Supervisor software interrupt (IPI): clears sip.SSIP, then serves requests (kernel/smp/ipi.c). */
void ipi_handle(void);
/* The scheduler's preemption point at the end of every interrupt; a weak no-op until it exists. */
void sched_irq_exit(void);

/*
 * Wait for an interrupt in `wfi`, adding the time spent to the idle count.
 * Call with interrupts off after checking there is nothing to do: wfi wakes
 * on a pending enabled interrupt even then (privileged spec 4.1.3 / 3.3.3),
 * and the interrupt is taken when the caller turns interrupts back on, so a
 * wake-up between the check and the wfi is not lost.
 */
void idle_wfi(void);
/* Time-CSR ticks spent in idle_wfi() since boot, summed over the harts. */
uint64_t idle_ticks(void);

#endif
