/* SPDX-License-Identifier: MIT */
/*
 * The common case of aspace_activate, inline for the scheduler's hand-offs
 * (kernel/sched_handoff.c) as well as kernel/user/uspace.c. Not an interface.
 */
#ifndef KERNEL_USER_ASPACE_SWITCH_H
#define KERNEL_USER_ASPACE_SWITCH_H

#include <bora/asid.h>
#include <bora/aspace.h>
#include <bora/percpu.h>
#include <bora/spinlock.h>
#include <bora/sv39.h>
#include <asm/csr.h>

/*
 * Each hart hands out ASIDs of its own (struct aspace keeps one per hart), so
 * an id and its generation only change on the hart that uses them: a
 * generation rollover is one local full flush, and no hart can meet a stale
 * entry that another hart's reuse of an id left behind. The lock is for the
 * other harts' releases when a space dies.
 */
struct uspace_hart {
	spinlock_t lock;
	struct asid_space ids;
	uint64_t full_flushes;
	uint64_t asid_flushes;
	uint64_t switches;
};

/*
 * aspace_activate's slow path (kernel/user/uspace.c): give `as` an ASID of
 * this hart's current generation (or the kernel's table for NULL), note the
 * hart in as->harts, flush what the id needs, load it. Interrupts off.
 */
void aspace_activate_assign(struct aspace *as);

/*
 * With interrupts off: if `as` still holds an ASID of this hart's current
 * generation (asid_assign's ASID_KEEP), load it, a satp write and nothing to
 * flush, and return true. Otherwise change nothing: aspace_activate's slow
 * path assigns an id, flushes what it must and notes the hart in as->harts
 * (an id of the current generation exists only after that ran here).
 */
static inline __attribute__((always_inline)) bool aspace_activate_kept(struct percpu *cpu,
                                                                       const struct aspace *as)
{
	const struct aspace_asid *mine = &as->asid[cpu->index];
	struct uspace_hart *h = cpu->uspace;

	if (unlikely(!mine->asid || mine->generation != h->ids.generation))
		return false;
	/*
	 * sv39_satp without its masks: the root is a frame's physical address
	 * (below 2^56, page-aligned) and the id fits satp.ASID, as the slow path
	 * that assigned it checked (privileged spec 4.1.11).
	 */
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT |
	                    (uint64_t)mine->asid << SATP_ASID_SHIFT | as->pt.root_pa >> 12);
	h->switches++;
	return true;
}

#endif
