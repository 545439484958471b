/* SPDX-License-Identifier: MIT */
/*
 * ptdump (kernel/ptdump.c): a page table printed as merged ranges, one line
 * per run of leaves contiguous in virtual and physical address with the same
 * page size and flags:
 *   ptdump: <va start>-<va end> <pa start> <size> <page size> x<count> <RWX> <UGAD>
 */
#ifndef BORA_PTDUMP_H
#define BORA_PTDUMP_H

#include <bora/sv39.h>

struct ptdump_totals {
	size_t ranges;
	size_t leaves;
};

/* Print `pt` under the heading `title`; totals may be NULL. */
void ptdump(const struct sv39 *pt, const char *title, struct ptdump_totals *totals);

/* The table satp points at right now. */
void ptdump_kernel(void);

#endif
