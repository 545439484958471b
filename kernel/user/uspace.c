// SPDX-License-Identifier: MIT
/*
 * The hardware side of user address spaces: frames for their tables and
 * pages, the ASID width probe, and the satp switch.
 */
#include <bora/asid.h>
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/smp.h>
#include <bora/spinlock.h>
#include <bora/task.h>
#include "aspace_switch.h"
#include "internal.h"
#include <asm/csr.h>

_Static_assert(sizeof(struct aspace_asid) == 32, "struct aspace_asid: indexed by a shift");

static unsigned int asid_bits;
static uint64_t remote_fences;

static int user_alloc_frame(void *ctx, uint64_t *pa)
{
	uintptr_t va;
	int err = frame_alloc(1, PAGE_SIZE, &va);

	(void)ctx;
	if (!err)
		*pa = virt_to_phys((void *)va);
	return err;
}

static void user_free_frame(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (frame_free((uintptr_t)phys_to_virt(pa), 1) != 0)
		panic("uspace: frame %#llx was not allocated", (unsigned long long)pa);
}

static void *user_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

/*
 * A changed user leaf of a space that may be cached on other harts. With the
 * space known (ctx), fence it on each hart that ran it, under the ASID it has
 * there (SBI RFENCE remote_sfence_vma_asid, SBI spec 8.4); without, fence the
 * address in every ASID everywhere (privileged spec 4.2.1, rs2 = x0).
 */
static void user_flush(void *ctx, uint64_t va)
{
	struct aspace *as = ctx;
	size_t len = va == SV39_FLUSH_ALL ? 0 : PAGE_SIZE;
	uintptr_t start = va == SV39_FLUSH_ALL ? 0 : (uintptr_t)va;
	uint64_t harts;

	if (!as) {
		tlb_flush_range(start, len);
		return;
	}
	/* The cleared PTE before the mask: a hart that sets its bit later walks the new table. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	harts = __atomic_load_n(&as->harts, __ATOMIC_ACQUIRE);
	while (harts) {
		unsigned int i = ctz64(harts);
		uint16_t asid = __atomic_load_n(&as->asid[i].asid, __ATOMIC_RELAXED);

		harts &= harts - 1;
		/*
		 * An id read just as hart i gives the space a new one is still
		 * right: a new id there comes with a flush of it (asid_assign).
		 */
		tlb_flush_asid_range_on(CPUMASK_OF(i), asid, start, len);
		if (i != smp_this_hart())
			__atomic_fetch_add(&remote_fences, 1, __ATOMIC_RELAXED);
	}
}

static const struct sv39_env user_env = {
    .alloc_table = user_alloc_frame,
    .free_table = user_free_frame,
    .phys_to_virt = user_phys_to_virt,
    .flush = user_flush,
};

const struct sv39_env *uspace_env(void)
{
	return &user_env;
}

/*
 * Privileged spec 4.1.11: "the number of ASID bits is UNSPECIFIED ... software
 * can determine it by writing one to every bit position in the ASID field,
 * then reading back the value in satp". The kernel's leaves are global, so
 * running on with another ASID for two instructions is harmless.
 */
static unsigned int probe_asid_bits(void)
{
	uint64_t satp = csr_read(satp), probed;

	csr_write(satp, satp | (SATP_ASID_MASK << SATP_ASID_SHIFT));
	probed = csr_read(satp);
	csr_write(satp, satp);
	sfence_vma_all();
	return (unsigned int)__builtin_popcountll((probed >> SATP_ASID_SHIFT) & SATP_ASID_MASK);
}

static struct uspace_hart *hart_ids(unsigned int index)
{
	return percpu_harts[index].uspace;
}

void uspace_init(void)
{
	const size_t pages = ALIGN_UP(sizeof(struct uspace_hart), PAGE_SIZE) / PAGE_SIZE;
	cpumask_t online = smp_online_mask();
	size_t asids = 0;

	/* U-mode may read cycle, time and instret (privileged spec 4.1.5): the benchmarks do. */
	csr_write(scounteren, 7);
	/* The harts bring-up took share the boot hart's ISA string: one probe serves all. */
	asid_bits = probe_asid_bits();
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		struct uspace_hart *h;
		uintptr_t va;

		if (!(online & CPUMASK_OF(i)))
			continue;
		if (frame_alloc(pages, PAGE_SIZE, &va))
			panic("uspace: no frames for hart %u's ASID allocator", i);
		h = (struct uspace_hart *)va;
		*h = (struct uspace_hart){0};
		spin_lock_init(&h->lock);
		asid_space_init(&h->ids, asid_bits, CONFIG_ASID_LIMIT);
		asids = h->ids.nr;
		/* Published before any task exists; a secondary hart reads it when it first
		 * switches. */
		__atomic_store_n(&percpu_harts[i].uspace, h, __ATOMIC_RELEASE);
	}
	if (asids >= 2)
		printk("user: %u ASID bits, %zu ASIDs per hart for tasks (generation recycling)\n",
		       asid_bits, asids - 1);
	else
		printk("user: %u ASID bits%s: ASIDs off, full TLB flush on every task switch\n",
		       asid_bits, asids == 1 && asid_bits ? " (CONFIG_ASID_LIMIT)" : "");
}

/* The hart's bit in as->harts, set once: the first activation on a hart comes here. */
static void note_hart(struct aspace *as, unsigned int index)
{
	if (!(__atomic_load_n(&as->harts, __ATOMIC_RELAXED) & CPUMASK_OF(index)))
		__atomic_fetch_or(&as->harts, CPUMASK_OF(index), __ATOMIC_SEQ_CST);
}

void __attribute__((noinline)) aspace_activate_assign(struct aspace *as)
{
	struct sv39 *kernel = remap_kernel_table();
	unsigned int index = smp_this_hart();
	struct uspace_hart *h = hart_ids(index);
	struct aspace_asid *mine;
	enum asid_action action;
	unsigned long flags;

	if (!as) {
		csr_write(satp, sv39_satp(kernel->root_pa, 0));
		return;
	}
	mine = &as->asid[index];
	note_hart(as, index);
	flags = spin_lock_irqsave(&h->lock);
	action = asid_assign(&h->ids, &mine->asid, &mine->generation);
	spin_unlock_irqrestore(&h->lock, flags);
	/* Ready for aspace_activate_kept, which reads it only with ASIDs on. */
	mine->satp = sv39_satp(as->pt.root_pa, mine->asid);
	csr_write(satp, mine->satp);
	switch (action) {
	case ASID_KEEP:
		break;
	case ASID_FLUSH_ONE:
		__asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)mine->asid) : "memory");
		h->asid_flushes++;
		break;
	case ASID_FLUSH_ALL:
		sfence_vma_all();
		h->full_flushes++;
		break;
	}
	h->switches++;
}

/*
 * Every switch to a task's thread comes here (task_switch_mm) or to its
 * inline common case (aspace_activate_kept: the scheduler's user hand-off).
 */
__attribute__((optimize("omit-frame-pointer"))) void aspace_activate(struct aspace *as)
{
	if (likely(as) && aspace_activate_kept(this_cpu(), as))
		return;
	aspace_activate_assign(as);
}

/* On each hart that ran the space: leave its table if it is still the loaded one. */
static void leave_if_loaded(void *arg)
{
	const struct aspace *as = arg;
	uint64_t ppn_mask = (1ULL << SATP_ASID_SHIFT) - 1;

	if ((csr_read(satp) & ppn_mask) == (as->pt.root_pa >> PAGE_SHIFT))
		aspace_activate(NULL);
}

void aspace_release_asid(struct aspace *as)
{
	/*
	 * A hart that ran one of the space's threads and went on with kernel
	 * threads still has the space's table in satp (kernel threads run on
	 * whatever table is loaded; its kernel half is the same). Its tables
	 * are about to be freed: move such a hart to the kernel's table first.
	 */
	smp_call_function(__atomic_load_n(&as->harts, __ATOMIC_ACQUIRE), leave_if_loaded, as, true);
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		struct uspace_hart *h = hart_ids(i);
		unsigned long flags;

		if (!h || !as->asid[i].asid)
			continue;
		flags = spin_lock_irqsave(&h->lock);
		asid_release(&h->ids, as->asid[i].asid, as->asid[i].generation);
		spin_unlock_irqrestore(&h->lock, flags);
		as->asid[i] = (struct aspace_asid){0};
	}
}

void uspace_stats(struct uspace_stats *st)
{
	*st = (struct uspace_stats){.asid_bits = asid_bits};
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		struct uspace_hart *h = hart_ids(i);
		unsigned long flags;

		if (!h)
			continue;
		flags = spin_lock_irqsave(&h->lock);
		st->asids = h->ids.nr;
		st->full_flushes += h->full_flushes;
		st->asid_flushes += h->asid_flushes;
		st->switches += h->switches;
		st->switches_on[i] = h->switches;
		st->asid_rollovers += h->ids.rollovers;
		if (asid_enabled(&h->ids))
			st->asids_in_use += asid_used(&h->ids) - 1;
		spin_unlock_irqrestore(&h->lock, flags);
	}
	if (st->asids >= 2)
		st->asids_in_use++; /* the kernel's 0, once */
	st->remote_fences = __atomic_load_n(&remote_fences, __ATOMIC_RELAXED);
}

void uspace_asid_reconfigure(size_t limit)
{
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		struct uspace_hart *h = hart_ids(i);
		unsigned long flags;
		uint64_t generation;

		if (!h)
			continue;
		flags = spin_lock_irqsave(&h->lock);
		/* Later than any a space holds: no old (id, generation) pair reads as current. */
		generation = h->ids.generation + 1;
		asid_space_init(&h->ids, asid_bits, limit);
		h->ids.generation = generation;
		spin_unlock_irqrestore(&h->lock, flags);
	}
	/* Every id of the old setup may be cached, on any hart: start from empty TLBs. */
	tlb_flush_range(0, 0);
}
