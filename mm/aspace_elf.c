// SPDX-License-Identifier: MIT
/* Loading a validated ELF image into a user address space. */
#include <bora/aspace.h>
#include <bora/elf.h>
#include <bora/errno.h>

#define PG SV39_SIZE_4K

/* ELF_PROT_* and PROT_* agree bit for bit; the loader relies on it. */
_Static_assert(ELF_PROT_R == PROT_READ && ELF_PROT_W == PROT_WRITE && ELF_PROT_X == PROT_EXEC,
               "ELF and mmap protections");

int aspace_load_elf(struct aspace *as, const struct elf_image *img, const void *data,
                    size_t max_pages)
{
	const uint8_t *bytes = data;
	uint64_t pages = 0;

	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];

		pages += (ALIGN_UP(s->vaddr + s->memsz, PG) - ALIGN_DOWN(s->vaddr, PG)) / PG;
	}
	if (pages > max_pages)
		return -E2BIG;
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t start = ALIGN_DOWN(s->vaddr, PG);
		int err =
		    aspace_map_anon(as, start, ALIGN_UP(s->vaddr + s->memsz, PG) - start, s->prot);

		if (!err)
			err = aspace_write(as, s->vaddr, bytes + s->offset, s->filesz);
		if (err)
			return err;
	}
	return 0;
}
