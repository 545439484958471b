/* SPDX-License-Identifier: MIT */
/* Hand-off between kernel_main and the boot-time subsystem initialisers. */
#ifndef BORA_BOOT_INFO_H
#define BORA_BOOT_INFO_H

#include <bora/alloc.h>

struct boot_info {
	unsigned long hartid;
	uintptr_t dtb_pa;
};

/* Memory: the temporary heap (and later frames and the remap). */
void boot_mm_init(const struct boot_info *bi);
const char *heap_allocator_name(void);
const struct byte_allocator_ops *heap_allocator_ops(void);

#endif
