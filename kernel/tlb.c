// SPDX-License-Identifier: MIT
/*
 * TLB maintenance for mapping changes. sfence.vma is local to the hart that
 * executes it (privileged spec 4.2.1), so a change to a mapping other harts
 * may have cached is fenced on each of them too, through SBI RFENCE (SBI spec
 * chapter 8), which returns once every target has fenced.
 */
#include <bora/irqflags.h>
#include <bora/panic.h>
#include <bora/smp.h>
#include <asm/sbi.h>

#ifdef CONFIG_SMP
#include "smp/smp_internal.h"
#endif

/*
 * Past this many pages one full fence is cheaper than a fence per page, and
 * OpenSBI itself turns long ranges into full fences.
 */
#define TLB_FLUSH_MAX_PAGES 64

static bool flush_all(size_t len)
{
	return len == 0 || len > TLB_FLUSH_MAX_PAGES * PAGE_SIZE;
}

static void local_flush(uintptr_t start, size_t len)
{
	if (flush_all(len)) {
		__asm__ volatile("sfence.vma zero, zero" ::: "memory");
		return;
	}
	for (uintptr_t va = ALIGN_DOWN(start, PAGE_SIZE); va < start + len; va += PAGE_SIZE)
		__asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

static void local_flush_asid(unsigned long asid, uintptr_t start, size_t len)
{
	if (flush_all(len)) {
		__asm__ volatile("sfence.vma zero, %0" ::"r"(asid) : "memory");
		return;
	}
	for (uintptr_t va = ALIGN_DOWN(start, PAGE_SIZE); va < start + len; va += PAGE_SIZE)
		__asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
}

#ifdef CONFIG_SMP
struct rfence {
	uintptr_t start;
	size_t size;
	unsigned long asid;
	bool use_asid;
};

static long rfence_window(unsigned long hmask, unsigned long base, void *ctx)
{
	const struct rfence *f = ctx;

	if (f->use_asid)
		return sbi_remote_sfence_vma_asid(hmask, base, f->start, f->size, f->asid);
	return sbi_remote_sfence_vma(hmask, base, f->start, f->size);
}

static void remote_flush(cpumask_t mask, struct rfence *f)
{
	long err;

	mask &= smp_online_mask() & ~CPUMASK_OF(smp_this_hart());
	if (!mask)
		return;
	/* SBI spec 8.3: start = size = 0 means the whole address space. */
	if (flush_all(f->size))
		f->start = f->size = 0;
	err = smp_for_each_hart_window(mask, rfence_window, f);
	if (err)
		panic("tlb: remote sfence.vma on harts %#llx failed: %s", (unsigned long long)mask,
		      sbi_error_name(err));
}
#endif

/*
 * Interrupts stay off from the local fence to the remote ones: a thread
 * moved to another hart in between would fence neither that hart (now
 * "this" one, left out of the remote set) nor, locally, the one it left.
 * SBI RFENCE needs no S-mode interrupt on either side (the firmware takes it
 * in M-mode), so waiting for it this way cannot deadlock.
 */
void tlb_flush_range(uintptr_t start, size_t len)
{
	unsigned long flags = arch_irq_save();

	local_flush(start, len);
#ifdef CONFIG_SMP
	remote_flush(~(cpumask_t)0, &(struct rfence){.start = start, .size = len});
#endif
	arch_irq_restore(flags);
}

void tlb_flush_asid_range_on(cpumask_t mask, unsigned long asid, uintptr_t start, size_t len)
{
	unsigned long flags = arch_irq_save();

	if (mask & CPUMASK_OF(smp_this_hart()))
		local_flush_asid(asid, start, len);
#ifdef CONFIG_SMP
	remote_flush(mask,
	             &(struct rfence){.start = start, .size = len, .asid = asid, .use_asid = true});
#endif
	arch_irq_restore(flags);
}

void tlb_flush_asid_range(unsigned long asid, uintptr_t start, size_t len)
{
	tlb_flush_asid_range_on(~(cpumask_t)0, asid, start, len);
}
