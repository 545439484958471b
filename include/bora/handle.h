/* SPDX-License-Identifier: MIT */
/*
 * A task's handle table: small integers naming kernel objects, each with
 * rights (IPC_RIGHT_*) and a badge. A task uses only what its table holds,
 * with the rights recorded there; copies made for other tasks or with a new
 * badge can only drop rights, never add them.
 *
 * A bad handle gets one error, checked in this order (uapi/bora/ipc_errno.h):
 *   -EBADHANDLE  number < 0 or >= table size
 *   -ECLOSED     empty slot
 *   -EWRONGTYPE  the object is not of the type asked for
 *   -ENORIGHT    a needed right is missing
 *
 * Every function expects the caller to hold the IPC lock. A free slot is
 * always the lowest one, so a freshly spawned task finds the handles it was
 * given at 0, 1, 2... in the order given.
 */
#ifndef BORA_HANDLE_H
#define BORA_HANDLE_H

#include <bora/kobject.h>
#include <uapi/bora/ipc.h>

struct handle {
	struct kobject *obj; /* NULL: free slot */
	uint64_t badge;
	uint32_t rights;
};

struct handle_table {
	struct handle *slots;
	uint32_t size;
	uint32_t used;
};

/* Slots come from the caller (size 1..IPC_HANDLE_MAX + 1); all start empty. */
void handle_table_init(struct handle_table *t, struct handle *slots, uint32_t size);

/*
 * Put obj in the lowest free slot with `rights` (& IPC_RIGHTS_ALL) and
 * `badge`, taking a new reference. Returns the slot number or -ENOSPC.
 */
int handle_install(struct handle_table *t, struct kobject *obj, uint32_t rights, uint64_t badge);

/*
 * The entry of handle h if it names an object of `type` (KOBJ_NONE: any)
 * holding every right in `need`; else the error above. No reference is taken:
 * the entry stays valid while the IPC lock is held.
 */
int handle_lookup(const struct handle_table *t, long h, uint32_t type, uint32_t need,
                  const struct handle **out);

/* Empty slot h, dropping its reference (may destroy the object). */
int handle_close(struct handle_table *t, long h);

/*
 * A copy of h in the same table with rights (h's rights & mask) and, when h is
 * unbadged, `badge`. A badged handle keeps its badge (badge 0 asks for that);
 * asking for another one is -EPERM. Returns the new slot number.
 */
int handle_mint(struct handle_table *t, long h, uint32_t mask, uint64_t badge);

/*
 * A copy of h (from src) in dst with rights (h's rights & mask), same badge;
 * src and dst may be the same table. Returns the slot number in dst.
 */
int handle_copy(const struct handle_table *src, long h, uint32_t mask, struct handle_table *dst);

/* Close every handle (a dying task). */
void handle_table_close_all(struct handle_table *t);

#endif
