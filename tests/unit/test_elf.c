// SPDX-License-Identifier: MIT
/* The ELF parser: a valid image, then one corruption per named error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "elf_image.h"

static enum elf_error parse(struct test_elf *t, size_t size, struct elf_image *img)
{
	return elf_parse(t->bytes, size, IMG_USER_LO, IMG_USER_HI, img);
}

static void valid_image_parses(void **state)
{
	struct test_elf t;
	struct elf_image img;

	(void)state;
	img_build(&t);
	assert_int_equal(parse(&t, sizeof(t.bytes), &img), ELF_OK);
	assert_int_equal(img.nr_segments, 3);
	assert_int_equal(img.entry, IMG_TEXT_VA + 0x10);
	assert_int_equal(img.seg[0].prot, ELF_PROT_R | ELF_PROT_X);
	assert_int_equal(img.seg[1].prot, ELF_PROT_R);
	assert_int_equal(img.seg[2].prot, ELF_PROT_R | ELF_PROT_W);
	assert_int_equal(img.seg[2].memsz, IMG_DATA_MEM);
	assert_int_equal(img.seg[2].filesz, 0x800);
}

static void segments_come_out_sorted(void **state)
{
	struct test_elf t;
	struct elf_image img;
	struct elf64_phdr tmp;

	(void)state;
	img_build(&t);
	tmp = *img_phdr(&t, 0);
	*img_phdr(&t, 0) = *img_phdr(&t, 2);
	*img_phdr(&t, 2) = tmp;
	assert_int_equal(parse(&t, sizeof(t.bytes), &img), ELF_OK);
	assert_true(img.seg[0].vaddr < img.seg[1].vaddr && img.seg[1].vaddr < img.seg[2].vaddr);
}

static void empty_and_other_segments_are_skipped(void **state)
{
	struct test_elf t;
	struct elf_image img;

	(void)state;
	img_build(&t);
	img_ehdr(&t)->e_phnum = 5;
	*img_phdr(&t, 3) = (struct elf64_phdr){.p_type = ELF_PT_LOAD, .p_offset = 0xe8};
	*img_phdr(&t, 4) = (struct elf64_phdr){.p_type = 0x6474e551 /* PT_GNU_STACK */};
	assert_int_equal(parse(&t, sizeof(t.bytes), &img), ELF_OK);
	assert_int_equal(img.nr_segments, 3);
}

/* One corruption per test row: what to change, and the error it must give. */
struct corruption {
	const char *what;
	void (*apply)(struct test_elf *t);
	enum elf_error want;
};

#define CORRUPT(name, body, err)                                                                   \
	static void corrupt_##name(struct test_elf *t)                                             \
	{                                                                                          \
		struct elf64_ehdr *eh = img_ehdr(t);                                               \
		(void)eh;                                                                          \
		body;                                                                              \
	}
#define ROW(name, err)                                                                             \
	{                                                                                          \
#name, corrupt_##name, err                                                         \
	}

CORRUPT(magic, t->bytes[1] = 'e', ELF_ERR_MAGIC)
CORRUPT(class32, eh->e_ident[4] = 1, ELF_ERR_CLASS)
CORRUPT(big_endian, eh->e_ident[5] = 2, ELF_ERR_DATA)
CORRUPT(ident_version, eh->e_ident[6] = 0, ELF_ERR_VERSION)
CORRUPT(version, eh->e_version = 2, ELF_ERR_VERSION)
CORRUPT(relocatable, eh->e_type = 1, ELF_ERR_TYPE)
CORRUPT(shared_object, eh->e_type = 3, ELF_ERR_TYPE)
CORRUPT(x86_64, eh->e_machine = 62, ELF_ERR_MACHINE)
CORRUPT(double_float, eh->e_flags |= 0x4, ELF_ERR_FLAGS)
CORRUPT(rve, eh->e_flags |= ELF_EF_RISCV_RVE, ELF_ERR_FLAGS)
CORRUPT(ehsize, eh->e_ehsize = 52, ELF_ERR_HEADER_SIZE)
CORRUPT(phentsize, eh->e_phentsize = 32, ELF_ERR_HEADER_SIZE)
CORRUPT(phoff_past_file, eh->e_phoff = IMG_FILE_SIZE + 8, ELF_ERR_PHDRS)
CORRUPT(phnum_past_file, eh->e_phnum = 0xffff, ELF_ERR_PHDRS)
CORRUPT(phoff_huge, eh->e_phoff = ~0ULL - 8, ELF_ERR_PHDRS)
CORRUPT(interp, img_phdr(t, 1)->p_type = ELF_PT_INTERP, ELF_ERR_DYNAMIC)
CORRUPT(dynamic, img_phdr(t, 1)->p_type = ELF_PT_DYNAMIC, ELF_ERR_DYNAMIC)
CORRUPT(no_segments, eh->e_phnum = 0, ELF_ERR_NO_SEGMENTS)
CORRUPT(only_empty_segments, for (int i = 0; i < 3; i++) img_phdr(t, i)->p_memsz = 0,
        ELF_ERR_NO_SEGMENTS)
CORRUPT(offset_past_file, img_phdr(t, 1)->p_offset = IMG_FILE_SIZE + 0x1000, ELF_ERR_SEG_PAST_FILE)
CORRUPT(filesz_past_file, img_phdr(t, 2)->p_filesz = img_phdr(t, 2)->p_memsz = 0x1001,
        ELF_ERR_SEG_PAST_FILE)
CORRUPT(filesz_wraps, img_phdr(t, 2)->p_filesz = ~0ULL - 0x800, ELF_ERR_SEG_PAST_FILE)
CORRUPT(filesz_over_memsz, img_phdr(t, 1)->p_memsz = 0x80, ELF_ERR_SEG_FILESZ)
CORRUPT(align_not_pow2, img_phdr(t, 0)->p_align = 0x1800, ELF_ERR_SEG_ALIGN)
CORRUPT(vaddr_offset_mismatch, img_phdr(t, 1)->p_vaddr += 8, ELF_ERR_SEG_ALIGN)
CORRUPT(kernel_half, img_phdr(t, 2)->p_vaddr = 0xffffffc080200000ULL, ELF_ERR_SEG_KERNEL)
CORRUPT(crosses_lower_top, img_phdr(t, 2)->p_vaddr = 0x3ffffff000ULL;
        img_phdr(t, 2)->p_memsz = 0x2000, ELF_ERR_SEG_KERNEL)
CORRUPT(memsz_wraps, img_phdr(t, 2)->p_memsz = ~0ULL - 0xfff, ELF_ERR_SEG_KERNEL)
CORRUPT(below_user_range, img_phdr(t, 0)->p_vaddr = 0x1000; eh->e_entry = 0x1010, ELF_ERR_SEG_RANGE)
CORRUPT(writable_and_executable, img_phdr(t, 0)->p_flags |= ELF_PF_W, ELF_ERR_SEG_WX)
CORRUPT(write_only, img_phdr(t, 2)->p_flags = ELF_PF_W, ELF_ERR_SEG_PERM)
CORRUPT(no_permission, img_phdr(t, 1)->p_flags = 0, ELF_ERR_SEG_PERM)
CORRUPT(unknown_flag, img_phdr(t, 1)->p_flags |= 0x100, ELF_ERR_SEG_PERM)
CORRUPT(overlap_same_page, img_phdr(t, 1)->p_vaddr = IMG_TEXT_VA + 0x800;
        img_phdr(t, 1)->p_offset = 0x2800, ELF_ERR_SEG_OVERLAP)
CORRUPT(overlap_bss_tail, img_phdr(t, 1)->p_memsz = 0x1100, ELF_ERR_SEG_OVERLAP)
CORRUPT(entry_in_data, eh->e_entry = IMG_DATA_VA + 4, ELF_ERR_ENTRY)
CORRUPT(entry_past_text, eh->e_entry = IMG_TEXT_VA + 0x400, ELF_ERR_ENTRY)
CORRUPT(entry_misaligned, eh->e_entry = IMG_TEXT_VA + 1, ELF_ERR_ENTRY)
CORRUPT(
    too_many_segments, eh->e_phnum = ELF_MAX_SEGMENTS + 1;
    for (int i = 0; i <= ELF_MAX_SEGMENTS; i++) {
	    *img_phdr(t, i) = *img_phdr(t, 1);
	    img_phdr(t, i)->p_vaddr = IMG_USER_LO + 0x100000ULL * (unsigned)i;
	    img_phdr(t, i)->p_offset = 0x2000;
    },
    ELF_ERR_TOO_MANY)

static const struct corruption corruptions[] = {
    ROW(magic, ELF_ERR_MAGIC),
    ROW(class32, ELF_ERR_CLASS),
    ROW(big_endian, ELF_ERR_DATA),
    ROW(ident_version, ELF_ERR_VERSION),
    ROW(version, ELF_ERR_VERSION),
    ROW(relocatable, ELF_ERR_TYPE),
    ROW(shared_object, ELF_ERR_TYPE),
    ROW(x86_64, ELF_ERR_MACHINE),
    ROW(double_float, ELF_ERR_FLAGS),
    ROW(rve, ELF_ERR_FLAGS),
    ROW(ehsize, ELF_ERR_HEADER_SIZE),
    ROW(phentsize, ELF_ERR_HEADER_SIZE),
    ROW(phoff_past_file, ELF_ERR_PHDRS),
    ROW(phnum_past_file, ELF_ERR_PHDRS),
    ROW(phoff_huge, ELF_ERR_PHDRS),
    ROW(interp, ELF_ERR_DYNAMIC),
    ROW(dynamic, ELF_ERR_DYNAMIC),
    ROW(no_segments, ELF_ERR_NO_SEGMENTS),
    ROW(only_empty_segments, ELF_ERR_NO_SEGMENTS),
    ROW(offset_past_file, ELF_ERR_SEG_PAST_FILE),
    ROW(filesz_past_file, ELF_ERR_SEG_PAST_FILE),
    ROW(filesz_wraps, ELF_ERR_SEG_PAST_FILE),
    ROW(filesz_over_memsz, ELF_ERR_SEG_FILESZ),
    ROW(align_not_pow2, ELF_ERR_SEG_ALIGN),
    ROW(vaddr_offset_mismatch, ELF_ERR_SEG_ALIGN),
    ROW(kernel_half, ELF_ERR_SEG_KERNEL),
    ROW(crosses_lower_top, ELF_ERR_SEG_KERNEL),
    ROW(memsz_wraps, ELF_ERR_SEG_KERNEL),
    ROW(below_user_range, ELF_ERR_SEG_RANGE),
    ROW(writable_and_executable, ELF_ERR_SEG_WX),
    ROW(write_only, ELF_ERR_SEG_PERM),
    ROW(no_permission, ELF_ERR_SEG_PERM),
    ROW(unknown_flag, ELF_ERR_SEG_PERM),
    ROW(overlap_same_page, ELF_ERR_SEG_OVERLAP),
    ROW(overlap_bss_tail, ELF_ERR_SEG_OVERLAP),
    ROW(entry_in_data, ELF_ERR_ENTRY),
    ROW(entry_past_text, ELF_ERR_ENTRY),
    ROW(entry_misaligned, ELF_ERR_ENTRY),
    ROW(too_many_segments, ELF_ERR_TOO_MANY),
};

static void each_corruption_gets_its_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		struct test_elf t;
		struct elf_image img;
		enum elf_error got;

		img_build(&t);
		corruptions[i].apply(&t);
		got = parse(&t, sizeof(t.bytes), &img);
		if (got != corruptions[i].want)
			fail_msg("%s: got %s, want %s", corruptions[i].what, elf_error_name(got),
			         elf_error_name(corruptions[i].want));
	}
}

static void every_truncation_is_refused_cleanly(void **state)
{
	struct test_elf t;
	struct elf_image img;

	(void)state;
	img_build(&t);
	assert_int_equal(elf_parse(NULL, 64, IMG_USER_LO, IMG_USER_HI, &img), ELF_ERR_TRUNCATED);
	for (size_t size = 0; size < sizeof(t.bytes); size++) {
		enum elf_error got = parse(&t, size, &img);

		if (size < sizeof(struct elf64_ehdr))
			assert_int_equal(got, ELF_ERR_TRUNCATED);
		else if (size < 0x3800) /* the data segment's file bytes end there */
			assert_int_not_equal(got, ELF_OK);
		else
			assert_int_equal(got, ELF_OK);
	}
}

static void unaligned_buffer_is_fine(void **state)
{
	static uint8_t buf[IMG_FILE_SIZE + 1];
	struct test_elf t;
	struct elf_image img;

	(void)state;
	img_build(&t);
	memcpy(buf + 1, t.bytes, sizeof(t.bytes));
	assert_int_equal(elf_parse(buf + 1, sizeof(t.bytes), IMG_USER_LO, IMG_USER_HI, &img),
	                 ELF_OK);
}

static void error_names_are_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < ELF_ERR_COUNT; i++)
		for (int j = i + 1; j < ELF_ERR_COUNT; j++)
			assert_string_not_equal(elf_error_name(i), elf_error_name(j));
	assert_string_equal(elf_error_name(ELF_ERR_COUNT), "unknown ELF error");
	assert_string_equal(elf_error_name(ELF_ERR_MAGIC), "bad magic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_image_parses),
	    cmocka_unit_test(segments_come_out_sorted),
	    cmocka_unit_test(empty_and_other_segments_are_skipped),
	    cmocka_unit_test(each_corruption_gets_its_error),
	    cmocka_unit_test(every_truncation_is_refused_cleanly),
	    cmocka_unit_test(unaligned_buffer_is_fine),
	    cmocka_unit_test(error_names_are_distinct),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
