/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 paging (kernel/remap.c, CONFIG_PAGING_FULL_REMAP): the kernel's own
 * three-level Sv39 table built from the frame allocator, with per-section
 * permissions, a linear map of all RAM at CONFIG_KERNEL_VIRT_OFFSET, the
 * board's MMIO and no identity map; plus the read-only views of the live table
 * the W^X check, ptdump and the tests use in either paging stage.
 */
#ifndef BORA_REMAP_H
#define BORA_REMAP_H

#include <bora/physmem.h>
#include <bora/sv39.h>

/*
 * Build the table for the banks of `pm` (cut at physical `linear_limit`),
 * switch satp to it, retire the boot table and run the W^X check. Frames for
 * the tables come from frame_alloc(), so at least the boot-mapped free RAM must
 * be handed to it first. Panics on any failure: there is no way back.
 */
void remap_kernel(const struct physmem *pm, uint64_t linear_limit);

/* The table remap_kernel() built (live from then on); NULL before. */
struct sv39 *remap_kernel_table(void);
/* Its table pages when it went live; stack guard pages unmapped since split blocks and add some. */
size_t remap_boot_table_pages(void);

/* A view of whatever table satp points at, for walks and translations only. */
void kernel_live_table(struct sv39 *view);

struct wx_report {
	size_t leaves;
	size_t violations; /* leaves with both W and X */
	uint64_t first_va; /* of the first violation */
	uint64_t first_flags;
};

/* Walk every leaf of `pt` and count writable-and-executable ones. */
void wx_scan(const struct sv39 *pt, struct wx_report *r);

/*
 * Make device registers [pa, pa + size) reachable RW at phys_to_virt(pa):
 * mapped page by page into the live table after the full remap (pages already
 * mapped are fine); before it, checked against the boot table (-ENOENT when
 * its gigapages do not cover them). Other errors from sv39_map_range.
 */
int remap_mmio(uint64_t pa, uint64_t size);
/* Whether remap_mmio() mapped physical page `pa` into the live table. */
bool remap_is_mmio_page(uint64_t pa);

#endif
