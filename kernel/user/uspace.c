// SPDX-License-Identifier: MIT
/*
 * The hardware side of user address spaces: frames for their tables and
 * pages, the ASID width probe, and the satp switch.
 */
#include <bora/asid.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/task.h>
#include "internal.h"
#include <asm/csr.h>

static struct asid_space asids;
static struct uspace_stats stats;

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
 * A changed user leaf: flush that address in every ASID (privileged spec
 * 4.2.1, rs2 = x0). The space may be live on this hart or cached under its
 * ASID from earlier.
 */
static void user_flush(void *ctx, uint64_t va)
{
	(void)ctx;
	if (va == SV39_FLUSH_ALL)
		__asm__ volatile("sfence.vma zero, zero" ::: "memory");
	else
		__asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
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

void uspace_init(void)
{
	/* U-mode may read cycle, time and instret (privileged spec 4.1.5): the benchmarks do. */
	csr_write(scounteren, 7);
	stats.asid_bits = probe_asid_bits();
	asid_space_init(&asids, stats.asid_bits, CONFIG_ASID_LIMIT);
	stats.asids = asids.nr;
	if (asid_enabled(&asids))
		printk("user: %u ASID bits, %zu ASIDs in use for tasks (generation recycling)\n",
		       stats.asid_bits, asids.nr - 1);
	else
		printk("user: %u ASID bits%s: ASIDs off, full TLB flush on every task switch\n",
		       stats.asid_bits,
		       asids.nr == 1 && stats.asid_bits ? " (CONFIG_ASID_LIMIT)" : "");
}

static void __attribute__((noinline)) aspace_activate_slow(struct aspace *as)
{
	struct sv39 *kernel = remap_kernel_table();
	uint64_t satp;

	if (!as) {
		csr_write(satp, sv39_satp(kernel->root_pa, 0));
		return;
	}
	switch (asid_assign(&asids, &as->asid, &as->asid_generation)) {
	case ASID_KEEP:
		csr_write(satp, sv39_satp(as->pt.root_pa, as->asid));
		break;
	case ASID_FLUSH_ONE:
		satp = sv39_satp(as->pt.root_pa, as->asid);
		csr_write(satp, satp);
		__asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)as->asid) : "memory");
		stats.asid_flushes++;
		break;
	case ASID_FLUSH_ALL:
		csr_write(satp, sv39_satp(as->pt.root_pa, as->asid));
		sfence_vma_all();
		stats.full_flushes++;
		break;
	}
	stats.switches++;
}

/*
 * Every switch to a task's thread comes here (task_switch_mm): the common
 * case, a space that still holds an ASID of the current generation
 * (asid_assign's ASID_KEEP), is a satp write, without a frame of its own.
 */
__attribute__((optimize("omit-frame-pointer"))) void aspace_activate(struct aspace *as)
{
	if (likely(as && as->asid && as->asid_generation == asids.generation)) {
		csr_write(satp, sv39_satp(as->pt.root_pa, as->asid));
		stats.switches++;
		return;
	}
	aspace_activate_slow(as);
}

void aspace_release_asid(struct aspace *as)
{
	asid_release(&asids, as->asid, as->asid_generation);
	as->asid = 0;
	as->asid_generation = 0;
}

void uspace_stats(struct uspace_stats *st)
{
	*st = stats;
	st->asid_rollovers = asids.rollovers;
	st->asids_in_use = asid_used(&asids);
}

void uspace_asid_reconfigure(size_t limit)
{
	/* Every id of the old setup may be cached: start from an empty TLB. */
	sfence_vma_all();
	asid_space_init(&asids, stats.asid_bits, limit);
	stats.asids = asids.nr;
}
