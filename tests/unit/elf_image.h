/* SPDX-License-Identifier: MIT */
/*
 * A small valid RISC-V ELF64 executable built in memory for the ELF and
 * loader tests: text R-X at 0x10000000, rodata R-- one page up, data RW- with
 * a bss tail, each segment's file bytes a recognisable pattern.
 */
#ifndef ELF_IMAGE_H
#define ELF_IMAGE_H

#include <string.h>

#include <bora/elf.h>

#define IMG_TEXT_VA   0x10000000ULL
#define IMG_RODATA_VA 0x10001000ULL
#define IMG_DATA_VA   0x10002000ULL
#define IMG_DATA_MEM  0x2800ULL /* filesz 0x800, the rest bss, spanning three pages */
#define IMG_FILE_SIZE 0x4000
#define IMG_USER_LO   0x10000ULL
#define IMG_USER_HI   0x4000000000ULL

struct test_elf {
	uint8_t bytes[IMG_FILE_SIZE];
};

static inline struct elf64_ehdr *img_ehdr(struct test_elf *t)
{
	return (struct elf64_ehdr *)t->bytes;
}

static inline struct elf64_phdr *img_phdr(struct test_elf *t, int i)
{
	return (struct elf64_phdr *)(t->bytes + sizeof(struct elf64_ehdr)) + i;
}

static inline void img_build(struct test_elf *t)
{
	struct elf64_ehdr *eh = img_ehdr(t);
	static const struct {
		uint32_t flags;
		uint64_t va, off, filesz, memsz;
	} segs[] = {
	    {ELF_PF_R | ELF_PF_X, IMG_TEXT_VA, 0x1000, 0x400, 0x400},
	    {ELF_PF_R, IMG_RODATA_VA, 0x2000, 0x100, 0x100},
	    {ELF_PF_R | ELF_PF_W, IMG_DATA_VA, 0x3000, 0x800, IMG_DATA_MEM},
	};

	memset(t, 0, sizeof(*t));
	memcpy(eh->e_ident,
	       "\x7f"
	       "ELF",
	       4);
	eh->e_ident[4] = ELF_CLASS64;
	eh->e_ident[5] = ELF_DATA2LSB;
	eh->e_ident[6] = ELF_EV_CURRENT;
	eh->e_type = ELF_ET_EXEC;
	eh->e_machine = ELF_EM_RISCV;
	eh->e_version = ELF_EV_CURRENT;
	eh->e_entry = IMG_TEXT_VA + 0x10;
	eh->e_phoff = sizeof(*eh);
	eh->e_flags = 1; /* RVC */
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(struct elf64_phdr);
	eh->e_phnum = 3;
	for (int i = 0; i < 3; i++) {
		struct elf64_phdr *ph = img_phdr(t, i);

		ph->p_type = ELF_PT_LOAD;
		ph->p_flags = segs[i].flags;
		ph->p_vaddr = ph->p_paddr = segs[i].va;
		ph->p_offset = segs[i].off;
		ph->p_filesz = segs[i].filesz;
		ph->p_memsz = segs[i].memsz;
		ph->p_align = 0x1000;
		for (uint64_t b = 0; b < segs[i].filesz; b++)
			t->bytes[segs[i].off + b] = (uint8_t)(0x10 * (i + 1) + b % 7);
	}
}

#endif
