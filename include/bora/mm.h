/* SPDX-License-Identifier: MIT */
/* Kernel address-space helpers: the linear map of physical memory at KERNEL_VIRT_OFFSET. */
#ifndef BORA_MM_H
#define BORA_MM_H

#include <bora/types.h>

static inline void *phys_to_virt(uintptr_t pa)
{
	return (void *)(pa + CONFIG_KERNEL_VIRT_OFFSET);
}

static inline uintptr_t virt_to_phys(const void *va)
{
	return (uintptr_t)va - CONFIG_KERNEL_VIRT_OFFSET;
}

/* Linker-layout symbols (arch/riscv/layout/gen_layout.c). */
extern char _skernel[], _stext[], _etext[], _srodata[], _erodata[], _sdata[], _edata[];
extern char _sbss[], _ebss[], _sstack_guard[], _sstack[], _estack[], _sheap[], _eheap[], _end[];
extern char boot_pt_sv39[];

#endif
