/* SPDX-License-Identifier: MIT */
/*
 * Symmetric multiprocessing (docs/smp.md): bring-up of the harts the device
 * tree lists, inter-processor interrupts and remote TLB shootdown. Harts are
 * named by their dense index (struct percpu index, 0 = the boot hart); a
 * cpumask has bit i for index i. Without CONFIG_SMP the same calls work on
 * the boot hart alone.
 */
#ifndef BORA_SMP_H
#define BORA_SMP_H

#include <bora/percpu.h>
#include <bora/types.h>

typedef uint64_t cpumask_t;

#define CPUMASK_OF(i) ((cpumask_t)1 << (i))

/* IPI kinds, bits of struct percpu ipi_bits. */
#define IPI_RESCHED (1UL << 0) /* set need_resched: the next preemption point switches */
#define IPI_CALL    (1UL << 1) /* run the pending smp_call_function request */

typedef void (*smp_call_fn)(void *arg);

static inline unsigned int smp_this_hart(void)
{
	return this_cpu()->index;
}

/* Index -> the firmware's hart id. */
static inline unsigned long smp_hartid(unsigned int index)
{
	return percpu_harts[index].hartid;
}

/* Called with every interrupt off while a supervisor software interrupt is pending. */
void ipi_handle(void);

#ifdef CONFIG_SMP
/* Find the harts in the DTB at `dtb_pa` and start the usable ones (boot hart only). */
void smp_init(uintptr_t dtb_pa);
/* Harts running the kernel, the boot hart included. */
unsigned int smp_online_count(void);
cpumask_t smp_online_mask(void);
/* Harts /cpus lists as usable (the "M" of "N of M harts online"). */
unsigned int smp_usable_count(void);

/*
 * Run fn(arg) on every online hart in `mask` (this hart's own bit runs it
 * here, directly). With `wait`, returns once every target has finished.
 * Interrupts may be on or off; while waiting this hart still serves the
 * requests others send it, so two harts calling each other cannot deadlock.
 * Returns the number of harts fn ran or was queued on.
 */
unsigned int smp_call_function(cpumask_t mask, smp_call_fn fn, void *arg, bool wait);

/* Ask hart `index` to reschedule at its next preemption point (sets its need_resched). */
void smp_send_reschedule(unsigned int index);

/* IPIs this hart has handled, by kind, since boot (tests and the bench read them). */
unsigned long smp_ipi_count(unsigned int index, unsigned long kind);

#else
static inline void smp_init(uintptr_t dtb_pa)
{
	(void)dtb_pa;
}
static inline unsigned int smp_online_count(void)
{
	return 1;
}
static inline cpumask_t smp_online_mask(void)
{
	return 1;
}
static inline unsigned int smp_usable_count(void)
{
	return 1;
}
static inline unsigned int smp_call_function(cpumask_t mask, smp_call_fn fn, void *arg, bool wait)
{
	(void)wait;
	if (!(mask & 1))
		return 0;
	fn(arg);
	return 1;
}
static inline void smp_send_reschedule(unsigned int index)
{
	if (index == 0)
		this_cpu()->need_resched = true;
}
#endif

/*
 * Kernel (global) mappings in [start, start + len) changed: flush them from
 * this hart's TLB and, over SBI RFENCE, from every other online hart's. len 0
 * or a range too large to fence page by page flushes everything.
 */
void tlb_flush_range(uintptr_t start, size_t len);
/* The same for the non-global mappings of address space `asid`. */
void tlb_flush_asid_range(unsigned long asid, uintptr_t start, size_t len);
/* The harts tlb_flush_asid_range fences remotely; the address-space code narrows it. */
void tlb_flush_asid_range_on(cpumask_t mask, unsigned long asid, uintptr_t start, size_t len);

#endif
