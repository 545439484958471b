/* SPDX-License-Identifier: MIT */
/*
 * The kernel's physical memory map (kernel/memmap.c): RAM banks and
 * reservations from the device tree the firmware passes in a1, or the board's
 * Kconfig RAM window when that blob is missing or unusable, minus the firmware,
 * the kernel image and the blob itself. The frame allocator (kernel/mm_init.c)
 * manages every free range of it, one bitmap page allocator ("zone") per range.
 */
#ifndef BORA_MEMMAP_H
#define BORA_MEMMAP_H

#include <bora/physmem.h>

/* Why the device tree was not used; MEMMAP_DTB_OK when it was. */
enum memmap_dtb_status {
	MEMMAP_DTB_OK,
	MEMMAP_DTB_MISSING,     /* a1 was 0 */
	MEMMAP_DTB_UNREACHABLE, /* a1 outside the RAM the boot table maps */
	MEMMAP_DTB_INVALID,     /* the FDT reader rejected the blob (fdt_error in `err`) */
	MEMMAP_DTB_NO_MEMORY,   /* valid blob without a usable /memory node */
	MEMMAP_DTB_BAD_BANKS,   /* /memory banks overlap or wrap (errno in `err`) */
};

struct memmap {
	struct physmem pm;
	uintptr_t dtb_pa;  /* as the firmware passed it */
	uint32_t dtb_size; /* the header's totalsize; 0 when the blob was rejected */
	enum memmap_dtb_status dtb_status;
	int err;              /* detail for the status: -FDT_ERR_* or -E* */
	size_t dtb_banks;     /* /memory entries read (0 in the fallback) */
	size_t dtb_reserved;  /* reservation block + /reserved-memory entries honoured */
	uint64_t image_start; /* physical [start, end) of the kernel image, page-rounded */
	uint64_t image_end;
	uint64_t limit; /* physmem_build() limit: the end of what can be mapped */
};

/*
 * Build the memory map from the blob at physical `dtb_pa` (read through the
 * linear map; it must lie in the boot-mapped first RAM gigapage), cutting free
 * memory at `limit`. Never fails: an unusable blob gives the Kconfig fallback.
 * With `verbose`, prints the map and any fallback warning. Panics only when the
 * fixed-size tables cannot hold the reservations (ignoring one would hand out
 * memory that is not free).
 */
void memmap_build(struct memmap *mm, uintptr_t dtb_pa, uint64_t limit, bool verbose);

/* memmap_build() into the kernel's map, printed; the result stays readable via memmap(). */
const struct memmap *memmap_init(uintptr_t dtb_pa, uint64_t limit);
/* NULL before memmap_init(). */
const struct memmap *memmap(void);

const char *memmap_dtb_status_name(enum memmap_dtb_status status);

/* ---- frame zones (kernel/mm_init.c) ------------------------------------------ */

struct frame_zone_info {
	uint64_t base; /* physical, page-aligned */
	size_t pages;  /* bitmap metadata pages included */
	size_t meta_pages;
};

/* Zones in the order frame_alloc() tries them; -ENOENT past the last. */
size_t frame_zone_count(void);
int frame_zone_info(size_t index, struct frame_zone_info *out);
/* Free pages too small to hold a zone (a lone page cannot also hold its bitmap). */
size_t frame_pages_unmanaged(void);

#endif
