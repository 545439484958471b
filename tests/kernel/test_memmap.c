// SPDX-License-Identifier: MIT
/*
 * The memory map against the device tree it came from, and the frame zones
 * against the memory map; the Kconfig fallback on blobs that cannot be used.
 */
#include <bora/errno.h>
#include <bora/fdt.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/ktest.h>
#include <bora/memmap.h>
#include <bora/mm.h>
#include <bora/string.h>

static bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	return asize && bsize && a < b + bsize && b < a + asize;
}

static bool inside_a_bank(const struct physmem *pm, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < pm->nr_banks; i++)
		if (base >= pm->banks[i].base &&
		    base + size <= pm->banks[i].base + pm->banks[i].size)
			return true;
	return false;
}

static bool open_blob(const struct memmap *mm, struct fdt *fdt)
{
	return fdt_init(fdt, phys_to_virt(mm->dtb_pa), mm->dtb_size) == 0;
}

KTEST(memmap, built_from_the_device_tree)
{
	const struct memmap *mm = memmap();

	KTEST_ASSERT(mm != NULL);
	KTEST_ASSERT_EQ(mm->dtb_status, MEMMAP_DTB_OK);
	KTEST_ASSERT(mm->dtb_size >= 40);
	KTEST_ASSERT(mm->dtb_banks > 0);
	KTEST_ASSERT_EQ(physmem_validate(&mm->pm), 0);
	KTEST_ASSERT(mm->pm.nr_free > 0);
}

KTEST(memmap, banks_agree_with_the_device_tree)
{
	const struct memmap *mm = memmap();
	static struct fdt_range banks[CONFIG_PHYSMEM_MAX_BANKS];
	struct fdt fdt;
	uint64_t total = 0;
	size_t n;

	KTEST_ASSERT(open_blob(mm, &fdt));
	KTEST_ASSERT_EQ(fdt_memory_banks(&fdt, banks, ARRAY_SIZE(banks), &n), 0);
	KTEST_ASSERT_EQ(n, mm->dtb_banks);
	for (size_t i = 0; i < n; i++) {
		KTEST_ASSERT(inside_a_bank(&mm->pm, banks[i].base, banks[i].size));
		total += banks[i].size;
	}
	/* Banks only merge, never grow: equal totals mean nothing was invented. */
	KTEST_ASSERT_EQ(physmem_ram_bytes(&mm->pm), total);
}

KTEST(memmap, free_ranges_exclude_firmware_image_dtb_and_reservations)
{
	const struct memmap *mm = memmap();
	static struct fdt_range resv[CONFIG_PHYSMEM_MAX_RESERVED];
	uint64_t image = virt_to_phys(_skernel), image_size = (uint64_t)(_end - _skernel);
	struct fdt fdt;
	size_t n;

	KTEST_ASSERT(open_blob(mm, &fdt));
	KTEST_ASSERT_EQ(fdt_reservations(&fdt, resv, ARRAY_SIZE(resv), &n), 0);
	KTEST_ASSERT_EQ(n, mm->dtb_reserved);
	for (size_t f = 0; f < mm->pm.nr_free; f++) {
		uint64_t b = mm->pm.free[f].base, s = mm->pm.free[f].size;

		KTEST_ASSERT(IS_ALIGNED(b, PAGE_SIZE) && IS_ALIGNED(s, PAGE_SIZE));
		KTEST_ASSERT(inside_a_bank(&mm->pm, b, s));
		KTEST_ASSERT(b + s <= mm->limit);
		KTEST_ASSERT(!overlaps(b, s, CONFIG_RAM_BASE, CONFIG_FIRMWARE_SIZE));
		KTEST_ASSERT(!overlaps(b, s, image, image_size));
		KTEST_ASSERT(!overlaps(b, s, mm->dtb_pa, mm->dtb_size));
		for (size_t i = 0; i < n; i++)
			KTEST_ASSERT(!overlaps(b, s, resv[i].base, resv[i].size));
	}
}

KTEST(memmap, frame_zones_cover_every_free_range)
{
	const struct physmem *pm = &memmap()->pm;
	struct page_alloc_stats st;
	struct frame_zone_info z;
	size_t zone_pages = 0, free_pages = (size_t)(physmem_free_bytes(pm) >> PAGE_SHIFT);

#ifndef CONFIG_PAGE_ALLOC_BITMAP
	KTEST_SKIP("no frame allocator in this configuration");
#endif
	KTEST_ASSERT(frame_zone_count() > 0);
	for (size_t i = 0; frame_zone_info(i, &z) == 0; i++) {
		bool in_free = false;

		for (size_t f = 0; f < pm->nr_free; f++)
			in_free |=
			    z.base >= pm->free[f].base &&
			    z.base + z.pages * PAGE_SIZE <= pm->free[f].base + pm->free[f].size;
		KTEST_ASSERT(in_free);
		KTEST_ASSERT(z.meta_pages < z.pages);
		zone_pages += z.pages;
	}
	KTEST_ASSERT_EQ(frame_zone_info(frame_zone_count(), &z), -ENOENT);
	KTEST_ASSERT_EQ(zone_pages + frame_pages_unmanaged(), free_pages);
	frame_stats(&st);
	KTEST_ASSERT_EQ(st.total_pages, zone_pages);
}

/* memmap_build() over a private copy of the blob, altered by `corrupt`. */
static struct memmap *build_from_copy(void (*corrupt)(uint8_t *blob, size_t size))
{
	const struct memmap *mm = memmap();
	struct memmap *out = kzalloc(sizeof(*out));
	uint8_t *copy = kmalloc(mm->dtb_size);

	if (!out || !copy) {
		kfree(out);
		kfree(copy);
		return NULL;
	}
	memcpy(copy, phys_to_virt(mm->dtb_pa), mm->dtb_size);
	if (corrupt)
		corrupt(copy, mm->dtb_size);
	memmap_build(out, virt_to_phys(copy), mm->limit, false);
	kfree(copy);
	return out;
}

static bool is_kconfig_fallback(const struct memmap *m)
{
	return m->pm.nr_banks == 1 && m->pm.banks[0].base == CONFIG_RAM_BASE &&
	       m->pm.banks[0].size == CONFIG_RAM_SIZE && m->dtb_banks == 0;
}

static bool free_avoids_image(const struct memmap *m)
{
	for (size_t f = 0; f < m->pm.nr_free; f++)
		if (overlaps(m->pm.free[f].base, m->pm.free[f].size, m->image_start,
		             m->image_end - m->image_start) ||
		    overlaps(m->pm.free[f].base, m->pm.free[f].size, CONFIG_RAM_BASE,
		             CONFIG_FIRMWARE_SIZE))
			return false;
	return m->pm.nr_free > 0;
}

KTEST(memmap, an_intact_copy_gives_the_same_banks)
{
	struct memmap *m = build_from_copy(NULL);

	KTEST_ASSERT(m != NULL);
	KTEST_ASSERT_EQ(m->dtb_status, MEMMAP_DTB_OK);
	KTEST_ASSERT_EQ(m->pm.nr_banks, memmap()->pm.nr_banks);
	KTEST_ASSERT(
	    memcmp(m->pm.banks, memmap()->pm.banks, m->pm.nr_banks * sizeof(m->pm.banks[0])) == 0);
	kfree(m);
}

static void break_magic(uint8_t *blob, size_t size)
{
	(void)size;
	blob[0] ^= 0xff;
}

/* totalsize (header word 1) claims more than the window can hold. */
static void truncate_blob(uint8_t *blob, size_t size)
{
	(void)size;
	blob[4] = 0x7f;
}

KTEST(memmap, corrupt_device_tree_falls_back_to_kconfig)
{
	struct memmap *m = build_from_copy(break_magic);

	KTEST_ASSERT(m != NULL);
	KTEST_ASSERT_EQ(m->dtb_status, MEMMAP_DTB_INVALID);
	KTEST_ASSERT_EQ(m->err, -FDT_ERR_BADMAGIC);
	KTEST_ASSERT(is_kconfig_fallback(m));
	KTEST_ASSERT(free_avoids_image(m));
	kfree(m);

	m = build_from_copy(truncate_blob);
	KTEST_ASSERT(m != NULL);
	KTEST_ASSERT_EQ(m->dtb_status, MEMMAP_DTB_INVALID);
	KTEST_ASSERT_EQ(m->err, -FDT_ERR_BADTOTALSIZE);
	KTEST_ASSERT(is_kconfig_fallback(m));
	kfree(m);
}

KTEST(memmap, missing_or_unreachable_device_tree_falls_back_to_kconfig)
{
	struct memmap *m = kzalloc(sizeof(*m));

	KTEST_ASSERT(m != NULL);
	memmap_build(m, 0, memmap()->limit, false);
	KTEST_ASSERT_EQ(m->dtb_status, MEMMAP_DTB_MISSING);
	KTEST_ASSERT(is_kconfig_fallback(m));
	KTEST_ASSERT(free_avoids_image(m));
	memmap_build(m, 0x1000, memmap()->limit, false);
	KTEST_ASSERT_EQ(m->dtb_status, MEMMAP_DTB_UNREACHABLE);
	KTEST_ASSERT(is_kconfig_fallback(m));
	kfree(m);
}
