/* SPDX-License-Identifier: MIT */
/*
 * Address-space identifiers (satp.ASID, privileged spec 4.1.11) for user
 * address spaces, with generations for recycling:
 *  - ASID 0 is the kernel's own table and never handed out;
 *  - a space keeps its ASID while the generation it got it in is current;
 *  - when the ids run out, the generation advances, every id becomes free
 *    again and the hart flushes its whole TLB once (entries tagged with an
 *    old-generation ASID must not be hit by the id's next owner);
 *  - a fresh id may still have TLB entries from a previous owner in the same
 *    generation, so it gets one sfence.vma for that ASID;
 *  - with fewer than two usable ids (the hart implements none, or
 *    CONFIG_ASID_LIMIT caps it), every space runs as ASID 0 and every switch
 *    flushes the TLB.
 * Host-testable; the caller serialises (one hart today).
 */
#ifndef BORA_ASID_H
#define BORA_ASID_H

#include <bora/id_alloc.h>

#define ASID_MAX_BITS 16
#define ASID_MAX_IDS  (1U << ASID_MAX_BITS)

/* What the caller must do before it runs with the ASID asid_assign() gave. */
enum asid_action {
	ASID_KEEP,      /* the space's ASID is current: just write satp */
	ASID_FLUSH_ONE, /* a fresh id: sfence.vma zero, asid */
	ASID_FLUSH_ALL, /* a new generation, or ASIDs are off: sfence.vma zero, zero */
};

struct asid_space {
	/* First: the switch compares it on every task switch (kernel/user/aspace_switch.h). */
	uint64_t generation;
	size_t nr; /* usable ids, 0 included; < 2 means ASIDs are off */
	uint64_t rollovers;
	struct id_bitmap ids;
	uint64_t storage[id_storage_bytes(ASID_MAX_IDS) / 8];
};

/* bits: what the hart implements (0..16); limit: CONFIG_ASID_LIMIT (0 = no cap). */
void asid_space_init(struct asid_space *s, unsigned int bits, size_t limit);

static inline bool asid_enabled(const struct asid_space *s)
{
	return s->nr >= 2;
}

/* Give *asid (with *generation, both the space's) a current id; say what to flush. */
enum asid_action asid_assign(struct asid_space *s, uint16_t *asid, uint64_t *generation);

/* Return a space's id when it dies (nothing to do if its generation is gone). */
void asid_release(struct asid_space *s, uint16_t asid, uint64_t generation);

/* Ids in use in the current generation, the kernel's 0 included. */
static inline size_t asid_used(const struct asid_space *s)
{
	return asid_enabled(s) ? s->ids.used : 0;
}

#endif
