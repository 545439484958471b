/* SPDX-License-Identifier: MIT */
/*
 * The device tree the firmware passed, validated once at boot, for drivers
 * that look up their base address, interrupt and clock (kernel/devicetree.c).
 */
#ifndef BORA_DEVICETREE_H
#define BORA_DEVICETREE_H

#include <bora/fdt.h>

/* Validate the blob at physical `dtb_pa` (0: none); later dt_get() calls return it. */
void dt_init(uintptr_t dtb_pa);

/* The validated tree, or NULL when the firmware passed none or a bad one. */
const struct fdt *dt_get(void);

/* The hart node of the hart that booted, or a negative FDT error. */
int dt_boot_cpu(void);

/* The first node compatible with `compat` whose status is not "disabled". */
int dt_find_compatible(const char *compat);

#endif
