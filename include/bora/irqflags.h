/* SPDX-License-Identifier: MIT */
/*
 * The hart's supervisor interrupt enable, sstatus.SIE (privileged spec 4.1.1).
 * Saving returns the previous state so nested sections restore, not enable.
 * Host builds (unit tests) have no interrupts: the calls do nothing there.
 */
#ifndef BORA_IRQFLAGS_H
#define BORA_IRQFLAGS_H

#include <bora/types.h>

#ifdef BORA_HOST
static inline unsigned long arch_irq_save(void)
{
	return 0;
}
static inline void arch_irq_restore(unsigned long flags)
{
	(void)flags;
}
static inline void arch_irq_enable(void)
{
}
static inline void arch_irq_disable(void)
{
}
static inline bool arch_irqs_enabled(void)
{
	return false;
}
#else
#define ARCH_SSTATUS_SIE (1UL << 1)

/* Clear SIE and return sstatus's old SIE bit; csrrc reads and clears in one step. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old;

	__asm__ volatile("csrrc %0, sstatus, %1" : "=r"(old) : "i"(ARCH_SSTATUS_SIE) : "memory");
	return old & ARCH_SSTATUS_SIE;
}

static inline void arch_irq_restore(unsigned long flags)
{
	__asm__ volatile("csrs sstatus, %0" ::"r"(flags & ARCH_SSTATUS_SIE) : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("csrsi sstatus, %0" ::"i"(ARCH_SSTATUS_SIE) : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("csrci sstatus, %0" ::"i"(ARCH_SSTATUS_SIE) : "memory");
}

static inline bool arch_irqs_enabled(void)
{
	unsigned long s;

	__asm__ volatile("csrr %0, sstatus" : "=r"(s));
	return (s & ARCH_SSTATUS_SIE) != 0;
}
#endif

#endif
