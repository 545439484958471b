/* SPDX-License-Identifier: MIT */
/*
 * Build-time layout decisions for the boot image: which Sv39 gigapage leaves the
 * boot page table holds and whether the configured layout can work at all.
 * Pure functions over numbers, so the host unit tests can drive them.
 */
#ifndef BORA_BOOT_LAYOUT_H
#define BORA_BOOT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GIGAPAGE_SIZE      (1ULL << 30)
#define BOOT_PT_ENTRIES    512
#define BOOT_PT_MAX_LEAVES 8

/* Sv39 PTE bits, RISC-V privileged spec 4.3.1 / 4.4.1. */
#define PTE_V         (1ULL << 0)
#define PTE_R         (1ULL << 1)
#define PTE_W         (1ULL << 2)
#define PTE_X         (1ULL << 3)
#define PTE_G         (1ULL << 5)
#define PTE_A         (1ULL << 6)
#define PTE_D         (1ULL << 7)
#define PTE_PPN_SHIFT 10

struct layout_input {
	uint64_t ram_base;
	uint64_t ram_size;
	uint64_t firmware_size;
	uint64_t load_addr;
	uint64_t virt_offset;
	uint64_t heap_size;
	uint64_t stack_size;
	bool has_uart;
	uint64_t uart_base;
	bool has_finisher;
	uint64_t finisher_base;
};

struct boot_leaf {
	unsigned index; /* VPN[2] of the virtual address */
	uint64_t va;
	uint64_t pa;
	uint64_t pte;
	const char *what;
};

struct layout {
	struct boot_leaf leaves[BOOT_PT_MAX_LEAVES];
	unsigned nleaves;
	uint64_t mapped_ram_end; /* physical end of RAM the boot table maps */
	uint64_t image_limit;    /* physical address the image + bss + heap must stay below */
};

/* 0 on success; otherwise -1 with a one-line reason naming the CONFIG_ symbol in err. */
int layout_compute(const struct layout_input *in, struct layout *out, char *err, size_t errlen);

/* Bits 63..39 of a Sv39 virtual address must equal bit 38 (privileged spec 4.4.1). */
bool sv39_va_canonical(uint64_t va);

#endif
