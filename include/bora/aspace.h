/* SPDX-License-Identifier: MIT */
/*
 * User address spaces. A task's Sv39 root table holds its own mappings in the
 * lower half and, in the upper half, copies of the kernel root's entries: the
 * kernel's lower-level tables are shared, never copied or freed here (the
 * kernel's leaves are G and never U, so U-mode cannot use them). Every user
 * leaf is a 4 KiB page mapped with U, A and D set and never W together with X:
 * either a frame the address space owns, or a device page it does not (marked
 * in the PTE's RSW bits: never freed, never executable). Destroying the space
 * returns every frame and table page it took and nothing else.
 *
 * Frames and table pages come from the same struct sv39_env the table code
 * uses, so the host tests run this over the fake arena (tests/unit/sv39_arena.h).
 * Not locked: the owning task serialises.
 *
 * The kernel's upper-half root entries are copied at creation; a kernel
 * mapping added later under a root entry that was empty then is not seen by
 * existing spaces (the full remap fills every root slot the kernel uses at boot).
 */
#ifndef BORA_ASPACE_H
#define BORA_ASPACE_H

#include <bora/percpu.h>
#include <bora/sv39.h>
#include <uapi/bora/syscall.h>

/* The space's ASID on one hart (see <bora/asid.h>): each hart allocates its own. */
struct aspace_asid {
	uint64_t generation;
	uint64_t satp;   /* satp for the space with asid, valid while generation is current */
	uint16_t asid;   /* 0 until first activated there */
	uint8_t pad[14]; /* to 32 bytes: indexing by hart is a shift on the switch's path */
};

struct aspace {
	struct sv39 pt;
	size_t user_pages;   /* frames mapped in the lower half (owned) */
	size_t device_pages; /* device pages mapped (not owned: never freed) */
	struct aspace_asid asid[PERCPU_MAX_HARTS]; /* by hart index */
	/*
	 * Bit i: hart index i has run this space, so its TLB may hold the
	 * space's entries (under asid[i]): a changed leaf is fenced there too.
	 */
	uint64_t harts;
};

/* PROT_* (uapi) to Sv39 leaf permissions with U; 0 for an invalid or W+X combination. */
uint64_t aspace_prot_to_pte(unsigned int prot);

/* An empty space sharing `kernel`'s upper half. -ENOMEM, -EINVAL. */
int aspace_init(struct aspace *as, const struct sv39_env *env, const struct sv39 *kernel);

/*
 * Map [va, va + size) to fresh zeroed frames with `prot`. va and size must be
 * page-aligned and inside [USER_VA_START, USER_VA_END): -EINVAL; prot invalid
 * or W+X: -EINVAL; a page already mapped: -EEXIST; out of frames: -ENOMEM (the
 * call is undone).
 */
int aspace_map_anon(struct aspace *as, uint64_t va, uint64_t size, unsigned int prot);

/*
 * Map [va, va + size) to the device memory [pa, pa + size), which the space
 * does not own: unmap and destroy drop the mapping without giving the pages to
 * the frame allocator. prot must be valid and not executable, pa page-aligned:
 * -EINVAL; -EEXIST, -ENOMEM as aspace_map_anon (undone on error).
 */
int aspace_map_device(struct aspace *as, uint64_t va, uint64_t pa, uint64_t size,
                      unsigned int prot);

/*
 * Unmap [va, va + size), freeing the frames the space owns (device pages are
 * only unmapped): -EINVAL as map, -ENOENT when a page is not mapped.
 */
int aspace_unmap(struct aspace *as, uint64_t va, uint64_t size);

/*
 * Change the permissions of [va, va + size): -EINVAL, -ENOENT as above;
 * -EPERM for PROT_EXEC over a device page.
 */
int aspace_protect(struct aspace *as, uint64_t va, uint64_t size, unsigned int prot);

/*
 * The lowest page-aligned address >= hint (at least USER_VA_START) where size
 * bytes are free and end below `limit`: 0 and *va, or -ENOMEM.
 */
int aspace_find_free(const struct aspace *as, uint64_t hint, uint64_t limit, uint64_t size,
                     uint64_t *va);

/*
 * Whether every page of [va, va + len) is mapped with at least `prot` and U
 * (a pre-check for calls that block before they copy). len 0 is true.
 */
bool aspace_range_mapped(const struct aspace *as, uint64_t va, uint64_t len, unsigned int prot);

/*
 * Copy into / out of the space through its table (not through the user
 * mapping, so it works for a space that is not live and ignores permissions:
 * the loader fills read-only text with it). -EFAULT when a page is unmapped
 * or a device page.
 */
int aspace_write(struct aspace *as, uint64_t va, const void *src, size_t len);
int aspace_read(const struct aspace *as, uint64_t va, void *dst, size_t len);

struct elf_image;

/*
 * Map every segment of a parsed executable (elf_parse) with the permissions
 * its flags give, copy its file bytes from `data` and leave the rest of each
 * page zero. -E2BIG when the segments need more than max_pages pages; -EEXIST,
 * -ENOMEM from the mapping. On error some segments may be mapped: the caller
 * destroys the space.
 */
int aspace_load_elf(struct aspace *as, const struct elf_image *img, const void *data,
                    size_t max_pages);

/* Free every user frame and every table page the space owns; the shared kernel tables stay. */
void aspace_destroy(struct aspace *as);

/* Table pages the space owns (root included). */
static inline size_t aspace_table_pages(const struct aspace *as)
{
	return as->pt.table_pages;
}

#endif
