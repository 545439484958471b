// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the ELF parser and loader: any input must be refused
 * with a named error or accepted with segments that obey every rule the
 * parser promises; an accepted image is then loaded into an address space
 * over a fake arena, its bytes read back, and the space destroyed with every
 * frame returned.
 */
#include <stdio.h>
#include <stdlib.h>

#include <bora/aspace.h>
#include <bora/elf.h>
#include <bora/errno.h>
#include "../unit/sv39_arena.h"

#define USER_LO 0x10000ULL
#define USER_HI (1ULL << 38)
#define PG      4096ULL

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_elf: broken promise: %s\n", what);
		abort();
	}
}

static void check_image(const struct elf_image *img, size_t size)
{
	bool entry_found = false;

	check(img->nr_segments >= 1 && img->nr_segments <= ELF_MAX_SEGMENTS, "segment count");
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];

		check(s->offset <= size && s->filesz <= size - s->offset, "file bytes inside file");
		check(s->filesz <= s->memsz && s->memsz > 0, "filesz <= memsz");
		check(s->vaddr >= USER_LO && s->vaddr + s->memsz <= USER_HI, "inside user range");
		check(!((s->prot & ELF_PROT_W) && (s->prot & ELF_PROT_X)), "W^X");
		check(s->prot & (ELF_PROT_R | ELF_PROT_X), "readable or executable");
		check(s->vaddr % PG == s->offset % PG, "congruent");
		if (i > 0)
			check(ALIGN_DOWN(s->vaddr, PG) >=
			          ALIGN_UP(img->seg[i - 1].vaddr + img->seg[i - 1].memsz, PG),
			      "sorted, no shared page");
		if ((s->prot & ELF_PROT_X) && img->entry >= s->vaddr &&
		    img->entry < s->vaddr + s->memsz)
			entry_found = true;
	}
	check(entry_found && img->entry % 2 == 0, "entry in code");
}

static struct arena *a;
static struct sv39 kernel;

static void release_arena(void)
{
	sv39_destroy(&kernel);
	arena_delete(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image img;
	struct aspace as;
	enum elf_error err = elf_parse(data, size, USER_LO, USER_HI, &img);
	size_t before;

	check(elf_error_name(err) != NULL, "named error");
	if (err != ELF_OK)
		return 0;
	check_image(&img, size);
	if (!a) {
		a = arena_new(256);
		check(sv39_init(&kernel, &a->env) == 0, "kernel table");
		atexit(release_arena);
	}
	before = a->in_use;
	check(aspace_init(&as, &a->env, &kernel) == 0, "aspace_init");
	if (aspace_load_elf(&as, &img, data, 128) == 0) {
		for (unsigned int i = 0; i < img.nr_segments; i++) {
			const struct elf_segment *s = &img.seg[i];
			uint8_t byte;

			if (s->filesz) {
				check(aspace_read(&as, s->vaddr + s->filesz - 1, &byte, 1) == 0,
				      "loaded");
				check(byte == data[s->offset + s->filesz - 1], "file byte copied");
			}
			if (s->memsz > s->filesz) {
				check(aspace_read(&as, s->vaddr + s->memsz - 1, &byte, 1) == 0,
				      "bss mapped");
				check(byte == 0, "bss zeroed");
			}
		}
	}
	aspace_destroy(&as);
	check(a->in_use == before, "every frame returned");
	check(a->double_frees == 0 && a->foreign_frees == 0, "frees");
	return 0;
}
