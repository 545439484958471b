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
	/* Before ids and its 8 KiB bitmap, so the switch reaches them with one offset. */
	uint64_t switches;
	uint64_t full_flushes;
	uint64_t asid_flushes;
	struct asid_space ids;
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
 *
 * The generation alone decides: the allocator's starts at 1 and a space's at
 * 0, only the slow path with ASIDs on sets a space's (with a nonzero id and
 * the satp value for it, which is therefore ready whenever the generation is
 * current), releasing the id zeroes all three, and every change of the
 * allocator's setup (uspace_asid_reconfigure) moves to a later generation.
 * The root never changes while the space has an id (aspace_release_asid
 * runs before its tables go).
 */
static inline __attribute__((always_inline)) bool aspace_activate_kept(struct percpu *cpu,
                                                                       const struct aspace *as)
{
	const struct aspace_asid *mine = &as->asid[cpu->index];
	struct uspace_hart *h = cpu->uspace;

	if (unlikely(mine->generation != h->ids.generation))
		return false;
	csr_write(satp, mine->satp);
	h->switches++;
	return true;
}

#endif
