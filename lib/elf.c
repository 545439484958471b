// SPDX-License-Identifier: MIT
/*
 * ELF64 executable validation (see include/bora/elf.h). Headers are copied out
 * with memcpy: the image may sit at any alignment, and a field is used only
 * after the check that covers it.
 */
#include <bora/elf.h>
#include <bora/string.h>

#define PAGE           4096ULL
#define SV39_LOWER_TOP (1ULL << 38) /* first address past the lower canonical half */
#define PF_KNOWN       (ELF_PF_R | ELF_PF_W | ELF_PF_X)
#define PF_MASKOS_PROC 0xfff00000U /* OS and processor specific flag bits: ignored */

static const char *const error_names[ELF_ERR_COUNT] = {
    [ELF_OK] = "ok",
    [ELF_ERR_TRUNCATED] = "truncated header",
    [ELF_ERR_MAGIC] = "bad magic",
    [ELF_ERR_CLASS] = "not ELF64",
    [ELF_ERR_DATA] = "not little-endian",
    [ELF_ERR_VERSION] = "bad ELF version",
    [ELF_ERR_TYPE] = "not an executable (ET_EXEC)",
    [ELF_ERR_MACHINE] = "not RISC-V",
    [ELF_ERR_FLAGS] = "unsupported float ABI or RVE",
    [ELF_ERR_HEADER_SIZE] = "bad header sizes",
    [ELF_ERR_PHDRS] = "program headers past the file",
    [ELF_ERR_DYNAMIC] = "dynamically linked",
    [ELF_ERR_TOO_MANY] = "too many segments",
    [ELF_ERR_NO_SEGMENTS] = "no loadable segment",
    [ELF_ERR_SEG_PAST_FILE] = "segment past the file",
    [ELF_ERR_SEG_FILESZ] = "segment file size exceeds memory size",
    [ELF_ERR_SEG_ALIGN] = "misaligned segment",
    [ELF_ERR_SEG_KERNEL] = "segment in the kernel half",
    [ELF_ERR_SEG_RANGE] = "segment outside the user range",
    [ELF_ERR_SEG_OVERLAP] = "overlapping segments",
    [ELF_ERR_SEG_WX] = "writable and executable segment",
    [ELF_ERR_SEG_PERM] = "bad segment permissions",
    [ELF_ERR_ENTRY] = "entry point outside the code",
};

const char *elf_error_name(enum elf_error err)
{
	if ((unsigned int)err >= ELF_ERR_COUNT)
		return "unknown ELF error";
	return error_names[err];
}

static enum elf_error check_header(const struct elf64_ehdr *eh, size_t size)
{
	const uint8_t *id = eh->e_ident;

	if (id[0] != ELF_MAG0 || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return ELF_ERR_MAGIC;
	if (id[4] != ELF_CLASS64)
		return ELF_ERR_CLASS;
	if (id[5] != ELF_DATA2LSB)
		return ELF_ERR_DATA;
	if (id[6] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT)
		return ELF_ERR_VERSION;
	if (eh->e_type != ELF_ET_EXEC)
		return ELF_ERR_TYPE;
	if (eh->e_machine != ELF_EM_RISCV)
		return ELF_ERR_MACHINE;
	/* The kernel saves no FP state (sstatus.FS stays Off), so only soft-float runs. */
	if (eh->e_flags & (ELF_EF_RISCV_FLOAT_ABI | ELF_EF_RISCV_RVE))
		return ELF_ERR_FLAGS;
	if (eh->e_ehsize != sizeof(struct elf64_ehdr) ||
	    eh->e_phentsize != sizeof(struct elf64_phdr))
		return ELF_ERR_HEADER_SIZE;
	if (eh->e_phoff > size ||
	    (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > size - eh->e_phoff)
		return ELF_ERR_PHDRS;
	return ELF_OK;
}

static bool is_pow2_or_zero(uint64_t v)
{
	return (v & (v - 1)) == 0;
}

static enum elf_error check_segment(const struct elf64_phdr *ph, size_t size, uint64_t user_start,
                                    uint64_t user_end, struct elf_segment *seg)
{
	uint64_t end;

	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return ELF_ERR_SEG_PAST_FILE;
	if (ph->p_filesz > ph->p_memsz)
		return ELF_ERR_SEG_FILESZ;
	if (!is_pow2_or_zero(ph->p_align) || ph->p_vaddr % PAGE != ph->p_offset % PAGE)
		return ELF_ERR_SEG_ALIGN;
	if (ph->p_vaddr >= SV39_LOWER_TOP)
		return ELF_ERR_SEG_KERNEL;
	end = ph->p_vaddr + ph->p_memsz;
	if (end < ph->p_vaddr || end > SV39_LOWER_TOP)
		return ELF_ERR_SEG_KERNEL;
	if (ph->p_vaddr < user_start || end > user_end)
		return ELF_ERR_SEG_RANGE;
	if (ph->p_flags & ~(PF_KNOWN | PF_MASKOS_PROC))
		return ELF_ERR_SEG_PERM;
	if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		return ELF_ERR_SEG_WX;
	/* Sv39 has no write-only or no-access leaf (privileged spec 4.3.1). */
	if (!(ph->p_flags & (ELF_PF_R | ELF_PF_X)) ||
	    ((ph->p_flags & ELF_PF_W) && !(ph->p_flags & ELF_PF_R)))
		return ELF_ERR_SEG_PERM;
	*seg = (struct elf_segment){
	    .vaddr = ph->p_vaddr,
	    .memsz = ph->p_memsz,
	    .offset = ph->p_offset,
	    .filesz = ph->p_filesz,
	    .prot = ((ph->p_flags & ELF_PF_R) ? ELF_PROT_R : 0) |
	            ((ph->p_flags & ELF_PF_W) ? ELF_PROT_W : 0) |
	            ((ph->p_flags & ELF_PF_X) ? ELF_PROT_X : 0),
	};
	return ELF_OK;
}

static uint64_t page_first(const struct elf_segment *s)
{
	return s->vaddr & ~(PAGE - 1);
}

/* One past the last page the segment touches; segments end below 2^38, so no overflow. */
static uint64_t page_end(const struct elf_segment *s)
{
	return (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
}

static void sort_segments(struct elf_image *img)
{
	for (unsigned int i = 1; i < img->nr_segments; i++) {
		struct elf_segment s = img->seg[i];
		unsigned int j = i;

		for (; j > 0 && img->seg[j - 1].vaddr > s.vaddr; j--)
			img->seg[j] = img->seg[j - 1];
		img->seg[j] = s;
	}
}

static enum elf_error check_layout(struct elf_image *img)
{
	bool entry_ok = false;

	if (img->nr_segments == 0)
		return ELF_ERR_NO_SEGMENTS;
	sort_segments(img);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (i > 0 && page_first(s) < page_end(&img->seg[i - 1]))
			return ELF_ERR_SEG_OVERLAP;
		if ((s->prot & ELF_PROT_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	/* Instructions are 2-byte aligned with C, 4 without (unprivileged spec 1.5). */
	if (!entry_ok || img->entry % 2)
		return ELF_ERR_ENTRY;
	return ELF_OK;
}

enum elf_error elf_parse(const void *data, size_t size, uint64_t user_start, uint64_t user_end,
                         struct elf_image *img)
{
	const uint8_t *bytes = data;
	struct elf64_ehdr eh;
	enum elf_error err;

	if (!data || size < sizeof(eh))
		return ELF_ERR_TRUNCATED;
	memcpy(&eh, bytes, sizeof(eh));
	err = check_header(&eh, size);
	if (err)
		return err;
	img->entry = eh.e_entry;
	img->nr_segments = 0;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, bytes + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == ELF_PT_INTERP || ph.p_type == ELF_PT_DYNAMIC)
			return ELF_ERR_DYNAMIC;
		if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
			continue;
		if (img->nr_segments == ELF_MAX_SEGMENTS)
			return ELF_ERR_TOO_MANY;
		err = check_segment(&ph, size, user_start, user_end, &img->seg[img->nr_segments]);
		if (err)
			return err;
		img->nr_segments++;
	}
	return check_layout(img);
}
