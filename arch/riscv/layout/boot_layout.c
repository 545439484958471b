// SPDX-License-Identifier: MIT
#include "boot_layout.h"

#include <stdarg.h>
#include <stdio.h>

#define PAGE_4K 0x1000ULL
/*
 * QEMU's virt machine puts the DTB 2 MiB-aligned just below min(RAM end, 3 GiB)
 * (hw/riscv/boot.c); keeping the image below that window keeps it intact.
 */
#define DTB_WINDOW       (2ULL << 20)
#define DTB_CEILING      0xC0000000ULL
#define GUARD_PAGE_BYTES PAGE_4K

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

bool sv39_va_canonical(uint64_t va)
{
	uint64_t top = va >> 38; /* bits 63..38: all zero or all one */

	return top == 0 || top == (1ULL << 26) - 1;
}

static uint64_t leaf_pte(uint64_t pa, uint64_t perms)
{
	return ((pa >> 12) << PTE_PPN_SHIFT) | perms | PTE_V | PTE_A | PTE_D | PTE_G;
}

static int add_leaf(struct layout *out, uint64_t va, uint64_t pa, uint64_t perms, const char *what,
                    char *err, size_t errlen)
{
	unsigned index = (unsigned)((va >> 30) & 511);

	for (unsigned i = 0; i < out->nleaves; i++) {
		if (out->leaves[i].index != index)
			continue;
		if (out->leaves[i].pa == pa)
			return 0; /* already covered, e.g. a UART inside the RAM gigapage */
		return fail(err, errlen,
		            "boot page table: %s (VA 0x%llx) and %s share Sv39 root index %u "
		            "but need different physical gigapages",
		            what, (unsigned long long)va, out->leaves[i].what, index);
	}
	if (out->nleaves == BOOT_PT_MAX_LEAVES)
		return fail(err, errlen, "boot page table: more than %d leaves",
		            BOOT_PT_MAX_LEAVES);
	out->leaves[out->nleaves++] = (struct boot_leaf){
	    .index = index, .va = va, .pa = pa, .pte = leaf_pte(pa, perms), .what = what};
	return 0;
}

/* Device registers get the high alias of their gigapage, R|W and never X. */
static int add_mmio_leaf(struct layout *out, const struct layout_input *in, uint64_t base,
                         const char *symbol, const char *what, char *err, size_t errlen)
{
	uint64_t giga = base & ~(GIGAPAGE_SIZE - 1);

	if (!sv39_va_canonical(giga + in->virt_offset) || base >= (1ULL << 38))
		return fail(err, errlen, "%s=0x%llx has no canonical high alias", symbol,
		            (unsigned long long)base);
	return add_leaf(out, giga + in->virt_offset, giga, PTE_R | PTE_W, what, err, errlen);
}

static void sort_leaves(struct layout *out)
{
	for (unsigned i = 1; i < out->nleaves; i++) {
		struct boot_leaf key = out->leaves[i];
		unsigned j = i;

		while (j > 0 && out->leaves[j - 1].index > key.index) {
			out->leaves[j] = out->leaves[j - 1];
			j--;
		}
		out->leaves[j] = key;
	}
}

int layout_compute(const struct layout_input *in, struct layout *out, char *err, size_t errlen)
{
	uint64_t ram_end, mapped_end, need, fw_end;

	*out = (struct layout){0};
	if (in->ram_base % GIGAPAGE_SIZE)
		return fail(err, errlen,
		            "CONFIG_RAM_BASE=0x%llx is not 1 GiB-aligned: the boot page table maps "
		            "RAM with Sv39 gigapages, whose physical address must be 1 GiB-aligned",
		            (unsigned long long)in->ram_base);
	if (in->ram_size == 0 || in->ram_size % PAGE_4K)
		return fail(err, errlen,
		            "CONFIG_RAM_SIZE=0x%llx is not a non-zero multiple of 4 KiB",
		            (unsigned long long)in->ram_size);
	if (in->virt_offset % GIGAPAGE_SIZE)
		return fail(err, errlen, "CONFIG_KERNEL_VIRT_OFFSET=0x%llx is not 1 GiB-aligned",
		            (unsigned long long)in->virt_offset);
	if (in->heap_size == 0 || in->heap_size % PAGE_4K)
		return fail(
		    err, errlen,
		    "CONFIG_HEAP_SIZE=0x%llx is not a non-zero multiple of 4 KiB (the heap is "
		    "a page-aligned section)",
		    (unsigned long long)in->heap_size);
	if (in->stack_size == 0 || in->stack_size % PAGE_4K)
		return fail(err, errlen, "CONFIG_BOOT_STACK_SIZE=0x%llx is not a multiple of 4 KiB",
		            (unsigned long long)in->stack_size);
	if (in->load_addr % PAGE_4K)
		return fail(err, errlen, "CONFIG_KERNEL_LOAD_ADDR=0x%llx is not 4 KiB-aligned",
		            (unsigned long long)in->load_addr);

	ram_end = in->ram_base + in->ram_size;
	if (ram_end < in->ram_base)
		return fail(err, errlen, "CONFIG_RAM_BASE + CONFIG_RAM_SIZE overflows");
	if (in->load_addr < in->ram_base || in->load_addr >= ram_end)
		return fail(err, errlen,
		            "CONFIG_KERNEL_LOAD_ADDR=0x%llx is outside RAM [0x%llx, 0x%llx)",
		            (unsigned long long)in->load_addr, (unsigned long long)in->ram_base,
		            (unsigned long long)ram_end);
	fw_end = in->ram_base + in->firmware_size;
	if (in->load_addr < fw_end)
		return fail(err, errlen,
		            "CONFIG_KERNEL_LOAD_ADDR=0x%llx overlaps the firmware region [0x%llx, "
		            "0x%llx) (CONFIG_FIRMWARE_SIZE=0x%llx)",
		            (unsigned long long)in->load_addr, (unsigned long long)in->ram_base,
		            (unsigned long long)fw_end, (unsigned long long)in->firmware_size);

	/* The early stage maps exactly the first RAM gigapage (seed 000, stage 1). */
	mapped_end = in->ram_base + GIGAPAGE_SIZE;
	if (mapped_end > ram_end)
		mapped_end = ram_end;
	out->mapped_ram_end = mapped_end;
	out->image_limit = mapped_end;
	if (out->image_limit > DTB_CEILING)
		out->image_limit = DTB_CEILING;
	out->image_limit -= DTB_WINDOW;

	{
		uint64_t end;
		bool overflow = __builtin_add_overflow(in->heap_size, in->stack_size, &need) ||
		                __builtin_add_overflow(need, GUARD_PAGE_BYTES, &need) ||
		                __builtin_add_overflow(in->load_addr, need, &end);

		if (overflow)
			need = UINT64_MAX;
		if (overflow || end > out->image_limit)
			return fail(
			    err, errlen,
			    "CONFIG_HEAP_SIZE=0x%llx with the boot stack does not fit: the image "
			    "loaded at 0x%llx must end below 0x%llx (RAM the early stage maps, "
			    "less the 2 MiB DTB window), but heap + stack alone need 0x%llx bytes",
			    (unsigned long long)in->heap_size, (unsigned long long)in->load_addr,
			    (unsigned long long)out->image_limit, (unsigned long long)need);
	}

	if (!sv39_va_canonical(in->virt_offset + in->ram_base) ||
	    !sv39_va_canonical(in->virt_offset + mapped_end - 1) ||
	    ((in->virt_offset + in->ram_base) >> 63) == 0)
		return fail(err, errlen,
		            "CONFIG_KERNEL_VIRT_OFFSET=0x%llx puts RAM at 0x%llx, which is not a "
		            "canonical upper-half Sv39 address",
		            (unsigned long long)in->virt_offset,
		            (unsigned long long)(in->virt_offset + in->ram_base));
	if (in->ram_base + GIGAPAGE_SIZE > (1ULL << 38))
		return fail(err, errlen,
		            "CONFIG_RAM_BASE=0x%llx: the identity map needs RAM below 256 GiB "
		            "(Sv39 lower half)",
		            (unsigned long long)in->ram_base);

	if (add_leaf(out, in->ram_base, in->ram_base, PTE_R | PTE_W | PTE_X, "RAM identity", err,
	             errlen) ||
	    add_leaf(out, in->ram_base + in->virt_offset, in->ram_base, PTE_R | PTE_W | PTE_X,
	             "RAM high alias", err, errlen))
		return -1;
	if (in->has_uart &&
	    add_mmio_leaf(out, in, in->uart_base, "CONFIG_UART_BASE", "console MMIO", err, errlen))
		return -1;
	if (in->has_finisher && add_mmio_leaf(out, in, in->finisher_base, "CONFIG_FINISHER_BASE",
	                                      "test finisher MMIO", err, errlen))
		return -1;
	sort_leaves(out);
	return 0;
}
