/* SPDX-License-Identifier: MIT */
/*
 * ELF64 executables (System V gABI, "ELF-64 Object File Format" 1.5; RISC-V
 * psABI for EM_RISCV and the float-ABI flags): the validating parser behind the
 * user-program loader. It reads nothing but the header and program headers,
 * checks every field it uses, and returns the PT_LOAD segments as a list the
 * loader maps. Host-testable: no kernel state, no allocation.
 */
#ifndef BORA_ELF_H
#define BORA_ELF_H

#include <bora/types.h>

/* gABI e_ident and header values. */
#define ELF_MAG0       0x7f
#define ELF_CLASS64    2
#define ELF_DATA2LSB   1
#define ELF_EV_CURRENT 1
#define ELF_ET_EXEC    2
#define ELF_EM_RISCV   243
#define ELF_PT_LOAD    1
#define ELF_PT_DYNAMIC 2
#define ELF_PT_INTERP  3
#define ELF_PF_X       1
#define ELF_PF_W       2
#define ELF_PF_R       4
/* RISC-V psABI e_flags: bits 2:1 the float ABI (0 = soft), bit 3 RVE. */
#define ELF_EF_RISCV_FLOAT_ABI 0x6
#define ELF_EF_RISCV_RVE       0x8

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

/* Why an image was refused; elf_error_name() gives the name the kernel prints. */
enum elf_error {
	ELF_OK = 0,
	ELF_ERR_TRUNCATED,     /* shorter than the ELF header */
	ELF_ERR_MAGIC,         /* e_ident does not start with 0x7f 'E' 'L' 'F' */
	ELF_ERR_CLASS,         /* not ELFCLASS64 */
	ELF_ERR_DATA,          /* not little-endian */
	ELF_ERR_VERSION,       /* e_ident[EI_VERSION] or e_version not 1 */
	ELF_ERR_TYPE,          /* not ET_EXEC (no relocation, no dynamic linking) */
	ELF_ERR_MACHINE,       /* not EM_RISCV */
	ELF_ERR_FLAGS,         /* a float ABI or RVE the kernel does not run */
	ELF_ERR_HEADER_SIZE,   /* e_ehsize or e_phentsize not the ELF64 sizes */
	ELF_ERR_PHDRS,         /* program headers past the end of the file */
	ELF_ERR_DYNAMIC,       /* PT_INTERP or PT_DYNAMIC: needs a dynamic linker */
	ELF_ERR_TOO_MANY,      /* more PT_LOAD segments than ELF_MAX_SEGMENTS */
	ELF_ERR_NO_SEGMENTS,   /* nothing to load */
	ELF_ERR_SEG_PAST_FILE, /* p_offset + p_filesz beyond the file (or overflowing) */
	ELF_ERR_SEG_FILESZ,    /* p_filesz > p_memsz */
	ELF_ERR_SEG_ALIGN,     /* p_align not a power of two, or p_vaddr != p_offset mod page */
	ELF_ERR_SEG_KERNEL,    /* a segment reaches into the kernel half or is not canonical */
	ELF_ERR_SEG_RANGE,     /* a segment outside the user range (below it, past it, wrapping) */
	ELF_ERR_SEG_OVERLAP,   /* two segments share a page */
	ELF_ERR_SEG_WX,        /* writable and executable */
	ELF_ERR_SEG_PERM,      /* neither readable nor executable, or unknown flag bits */
	ELF_ERR_ENTRY,         /* entry not inside an executable segment, or misaligned */
	ELF_ERR_COUNT
};

#define ELF_MAX_SEGMENTS 8

/* Permission bits of a segment, as PROT_* in <uapi/bora/syscall.h>. */
#define ELF_PROT_R 1
#define ELF_PROT_W 2
#define ELF_PROT_X 4

struct elf_segment {
	uint64_t vaddr; /* as in the file: need not be page-aligned */
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	unsigned int prot; /* ELF_PROT_* */
};

struct elf_image {
	uint64_t entry;
	unsigned int nr_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS]; /* in ascending vaddr order */
};

/*
 * Check `data[0..size)` as an executable for [user_start, user_end) (both
 * page-aligned, user_end at most the top of the lower half) and fill *img.
 * PT_LOAD segments with p_memsz 0 are ignored; other segment types except
 * PT_INTERP/PT_DYNAMIC too. Returns ELF_OK or the first problem found; *img is
 * meaningful only on ELF_OK. `data` needs no particular alignment.
 */
enum elf_error elf_parse(const void *data, size_t size, uint64_t user_start, uint64_t user_end,
                         struct elf_image *img);

/* "ELF_ERR_MAGIC" -> "bad magic", ...; "unknown ELF error" out of range. */
const char *elf_error_name(enum elf_error err);

#endif
