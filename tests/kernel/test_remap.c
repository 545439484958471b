// SPDX-License-Identifier: MIT
/*
 * The stage-2 kernel table (CONFIG_PAGING_FULL_REMAP): what it maps, with
 * which permissions and leaf sizes, and that the hardware enforces them.
 */
#include <asm/csr.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/ktest.h>
#include <bora/memmap.h>
#include <bora/mm.h>
#include <bora/remap.h>
#include <bora/thread.h>
#include <bora/trap.h>

#ifdef CONFIG_PAGING_FULL_REMAP

#define GIGA      (1ULL << 30)
#define LEAF_BITS (SV39_PTE_V | SV39_PTE_A | SV39_PTE_D | SV39_PTE_G)
/*
 * A low-half address for temporary test mappings: the full remap maps nothing
 * below CONFIG_KERNEL_VIRT_OFFSET, and each test checks it is free first.
 */
#define SCRATCH_VA 0x200000000ULL

/* `ret` (jalr x0, 0(ra)): harmless if it ever ran, but it must not be fetched. */
static uint32_t data_ret[2] = {0x00008067, 0x00008067};
static volatile uint64_t alias_probe = 1;

/*
 * A linker symbol is a char array to the compiler, so a wide access through it
 * would be split into byte accesses (and faults); hiding where the address came
 * from makes it a plain naturally aligned access.
 */
static uintptr_t opaque(uintptr_t v)
{
	__asm__("" : "+r"(v));
	return v;
}

static bool translate_live(uint64_t va, uint64_t *pa, uint64_t *flags, int *level)
{
	struct sv39 live;

	kernel_live_table(&live);
	return sv39_translate(&live, va, pa, flags, level) == 0;
}

KTEST(remap, satp_points_at_the_kernel_table)
{
	struct sv39 *kpt = remap_kernel_table();
	unsigned long satp = csr_read(satp);

	KTEST_ASSERT(kpt != NULL);
	KTEST_ASSERT_EQ(satp >> SATP_MODE_SHIFT, SATP_MODE_SV39);
	KTEST_ASSERT_EQ((satp & ((1UL << 44) - 1)) << 12, kpt->root_pa);
	KTEST_ASSERT(kpt->root_pa != virt_to_phys(boot_pt_sv39));
	KTEST_ASSERT_EQ(sv39_validate(kpt), 0);
	/*
	 * Root, the tables of the RAM gigapage holding the image, and the MMIO
	 * ones, as built. Every thread's stack guard unmapped since may split a
	 * 2 MiB block, so the live count depends on what ran before this test.
	 */
	KTEST_ASSERT(remap_boot_table_pages() <= 8);
	KTEST_ASSERT(kpt->table_pages >= remap_boot_table_pages());
}

KTEST(remap, store_to_text_faults)
{
	volatile uint32_t *p = (volatile uint32_t *)opaque((uintptr_t)_stext + 64);
	uint32_t word = *p; /* readable: text is R-X */
	struct trap_record r;

	trap_expect(EXC_STORE_PAGE_FAULT);
	*p = word; /* the same value, so a missing fault would not corrupt the code */
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, (uintptr_t)p);
}

KTEST(remap, store_to_rodata_faults)
{
	volatile uint64_t *p = (volatile uint64_t *)opaque((uintptr_t)_srodata);
	uint64_t word = *p;
	struct trap_record r;

	trap_expect(EXC_STORE_PAGE_FAULT);
	*p = word;
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, (uintptr_t)p);
}

KTEST(remap, jump_into_data_faults)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)data_ret;
	struct trap_record r;

	trap_expect(EXC_INST_PAGE_FAULT);
	fn();
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.sepc, (uintptr_t)data_ret);
	KTEST_ASSERT_EQ(r.stval, (uintptr_t)data_ret);
}

KTEST(remap, jump_into_the_linear_map_faults)
{
	uintptr_t frame;
	struct trap_record r;

	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &frame), 0);
	((uint32_t *)frame)[0] = data_ret[0];
	trap_expect(EXC_INST_PAGE_FAULT);
	((void (*)(void))frame)();
	r = trap_expect_result();
	KTEST_ASSERT_EQ(frame_free(frame, 1), 0);
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, frame);
}

KTEST(remap, stack_guard_page_is_unmapped)
{
	volatile uint64_t *low = (volatile uint64_t *)opaque((uintptr_t)_sstack_guard);
	volatile uint64_t *high = (volatile uint64_t *)opaque((uintptr_t)_sstack - 8);
	struct trap_record r;

	KTEST_ASSERT(!translate_live((uintptr_t)_sstack_guard, NULL, NULL, NULL));
	KTEST_ASSERT(translate_live((uintptr_t)_sstack, NULL, NULL, NULL));
	trap_expect(EXC_LOAD_PAGE_FAULT);
	(void)*low;
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, (uintptr_t)low);
	trap_expect(EXC_LOAD_PAGE_FAULT);
	(void)*high;
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, (uintptr_t)high);
}

/* Linker symbols as integers: pointer arithmetic before them would be out of bounds in C. */
#define SYM(s) ((uintptr_t)(s))

static bool has_perm(uintptr_t va, uint64_t want)
{
	uint64_t pa, flags;

	if (!translate_live(va, &pa, &flags, NULL))
		return false;
	return pa == va - CONFIG_KERNEL_VIRT_OFFSET &&
	       (flags & (SV39_PTE_RWX | SV39_PTE_U)) == want && (flags & LEAF_BITS) == LEAF_BITS;
}

KTEST(remap, image_sections_have_their_permissions)
{
	const uint64_t rx = SV39_PTE_R | SV39_PTE_X, rw = SV39_PTE_R | SV39_PTE_W;

	KTEST_ASSERT(has_perm(SYM(_stext), rx));
	KTEST_ASSERT(has_perm(SYM(_etext) - 1, rx));
	KTEST_ASSERT(has_perm(SYM(_srodata), SV39_PTE_R));
	KTEST_ASSERT(has_perm(SYM(_erodata) - 1, SV39_PTE_R));
	KTEST_ASSERT(has_perm(SYM(_sdata), rw));
	KTEST_ASSERT(has_perm(SYM(boot_pt_sv39), rw));
	KTEST_ASSERT(has_perm(SYM(_sbss), rw));
	KTEST_ASSERT(has_perm(SYM(_sstack), rw));
	KTEST_ASSERT(has_perm(SYM(_estack) - 1, rw));
	KTEST_ASSERT(has_perm(SYM(_sheap), rw));
	KTEST_ASSERT(has_perm(SYM(_end) - 1, rw));
}

struct leaf_audit {
	size_t leaves, bad;
	uint64_t first_bad_va;
};

static int audit_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct leaf_audit *a = arg;
	bool ok = (leaf->flags & LEAF_BITS) == LEAF_BITS && !(leaf->flags & SV39_PTE_U) &&
	          leaf->va >= CONFIG_KERNEL_VIRT_OFFSET &&
	          !((leaf->flags & SV39_PTE_W) && (leaf->flags & SV39_PTE_X));

	a->leaves++;
	if (!ok && a->bad++ == 0)
		a->first_bad_va = leaf->va;
	return 0;
}

KTEST(remap, every_leaf_is_global_accessed_dirty_high_and_not_wx)
{
	struct sv39 live;
	struct leaf_audit a = {0};

	kernel_live_table(&live);
	KTEST_ASSERT_EQ(sv39_walk(&live, audit_leaf, &a), 0);
	KTEST_ASSERT(a.leaves > 0);
	KTEST_ASSERT_EQ(a.first_bad_va, 0);
	KTEST_ASSERT_EQ(a.bad, 0);
	/* No identity map: the physical address of the image is not a valid VA. */
	KTEST_ASSERT(!translate_live(virt_to_phys(_stext), NULL, NULL, NULL));
	KTEST_ASSERT(!translate_live(CONFIG_RAM_BASE, NULL, NULL, NULL));
}

static bool is_device_page(uint64_t pa)
{
#ifdef CONFIG_UART_BASE
	if (pa == ALIGN_DOWN((uint64_t)CONFIG_UART_BASE, PAGE_SIZE))
		return true;
#endif
	if (remap_is_mmio_page(pa)) /* the PLIC's, and any a driver or test mapped */
		return true;
	return CONFIG_FINISHER_BASE && pa == ALIGN_DOWN((uint64_t)CONFIG_FINISHER_BASE, PAGE_SIZE);
}

static int only_ram_and_devices(void *arg, const struct sv39_leaf *leaf)
{
	const struct physmem *pm = &memmap()->pm;
	size_t *stray = arg;

	for (size_t i = 0; i < pm->nr_banks; i++)
		if (leaf->pa >= pm->banks[i].base &&
		    leaf->pa + leaf->size <= pm->banks[i].base + pm->banks[i].size)
			return 0;
	if (!(leaf->size == PAGE_SIZE && is_device_page(leaf->pa)))
		++*stray;
	return 0;
}

KTEST(remap, maps_only_ram_banks_and_device_pages)
{
	struct sv39 live;
	size_t stray = 0;

	kernel_live_table(&live);
	KTEST_ASSERT_EQ(sv39_walk(&live, only_ram_and_devices, &stray), 0);
	KTEST_ASSERT_EQ(stray, 0);
}

static bool overlaps_image(uint64_t pa, uint64_t size)
{
	uint64_t s = ALIGN_DOWN(virt_to_phys(_skernel), PAGE_SIZE);
	uint64_t e = ALIGN_UP(virt_to_phys(_end), PAGE_SIZE);

	return pa < e && s < pa + size;
}

/* Every aligned block of `size` inside a bank and away from the image must be one leaf. */
static size_t blocks_not_mapped_by_one_leaf(uint64_t size, int level, size_t *checked)
{
	const struct physmem *pm = &memmap()->pm;
	size_t wrong = 0;

	for (size_t b = 0; b < pm->nr_banks; b++) {
		uint64_t end = MIN(pm->banks[b].base + pm->banks[b].size, memmap()->limit);

		for (uint64_t pa = ALIGN_UP(pm->banks[b].base, size); pa + size <= end;
		     pa += size) {
			uint64_t got;
			int lvl;

			if (overlaps_image(pa, size))
				continue;
			++*checked;
			if (!translate_live((uint64_t)phys_to_virt(pa), &got, NULL, &lvl) ||
			    got != pa || lvl != level)
				wrong++;
			if (*checked > 4096)
				return wrong; /* enough samples on huge machines */
		}
	}
	return wrong;
}

/*
 * A 2 MiB block that a stack guard page split (kernel/thread.c unmaps the page below each
 * thread stack; mapping it back on exit leaves 4 KiB leaves, which translate the same): each
 * of its pages is still the linear map's RW- 4 KiB leaf, or the unmapped guard of a live
 * thread's stack. Returns the number of pages that are neither.
 */
static size_t pages_not_linear_or_guard(uint64_t block_pa)
{
	size_t wrong = 0;

	for (uint64_t pa = block_pa; pa < block_pa + SV39_SIZE_2M; pa += PAGE_SIZE) {
		uint64_t va = (uint64_t)phys_to_virt(pa), got, flags;
		int lvl;

		if (!translate_live(va, &got, &flags, &lvl)) {
			if (!thread_guard_owner(va))
				wrong++;
			continue;
		}
		if (got != pa || lvl != 0 ||
		    (flags & (SV39_PTE_RWX | SV39_PTE_U)) != (SV39_PTE_R | SV39_PTE_W))
			wrong++;
	}
	return wrong;
}

KTEST(remap, linear_map_covers_ram_with_the_largest_leaves)
{
	const struct physmem *pm = &memmap()->pm;
	size_t checked = 0;

	KTEST_ASSERT(pm->nr_banks > 0);
	for (size_t b = 0; b < pm->nr_banks; b++) {
		uint64_t first = ALIGN_UP(pm->banks[b].base, PAGE_SIZE);
		uint64_t last =
		    ALIGN_DOWN(pm->banks[b].base + pm->banks[b].size, PAGE_SIZE) - PAGE_SIZE;
		uint64_t pa;

		KTEST_ASSERT(translate_live((uint64_t)phys_to_virt(first), &pa, NULL, NULL));
		KTEST_ASSERT_EQ(pa, first);
		KTEST_ASSERT(translate_live((uint64_t)phys_to_virt(last), &pa, NULL, NULL));
		KTEST_ASSERT_EQ(pa, last);
	}
	KTEST_ASSERT_EQ(blocks_not_mapped_by_one_leaf(SV39_SIZE_1G, 2, &checked), 0);
	checked = 0;
	/* 2 MiB blocks outside the gigapage leaves (and the image's 4 KiB pages) are 2 MiB leaves.
	 */
	for (size_t b = 0; b < pm->nr_banks; b++) {
		uint64_t end = MIN(pm->banks[b].base + pm->banks[b].size, memmap()->limit);

		for (uint64_t pa = ALIGN_UP(pm->banks[b].base, SV39_SIZE_2M);
		     pa + SV39_SIZE_2M <= end && checked < 4096; pa += SV39_SIZE_2M) {
			uint64_t g = ALIGN_DOWN(pa, SV39_SIZE_1G), got;
			int lvl;

			if (overlaps_image(pa, SV39_SIZE_2M) ||
			    (g >= pm->banks[b].base && g + SV39_SIZE_1G <= end &&
			     !overlaps_image(g, SV39_SIZE_1G)))
				continue;
			checked++;
			KTEST_ASSERT(translate_live((uint64_t)phys_to_virt(pa), &got, NULL, &lvl));
			KTEST_ASSERT_EQ(got, pa);
			if (lvl != 1) {
				KTEST_ASSERT_EQ(pages_not_linear_or_guard(pa), 0);
				continue;
			}
		}
	}
}

KTEST(remap, device_registers_are_mapped_rw_not_x)
{
	uint64_t pa, flags;

#ifdef CONFIG_UART_BASE
	KTEST_ASSERT(translate_live((uint64_t)phys_to_virt(CONFIG_UART_BASE), &pa, &flags, NULL));
	KTEST_ASSERT_EQ(pa, CONFIG_UART_BASE);
	KTEST_ASSERT_EQ(flags & SV39_PTE_RWX, SV39_PTE_R | SV39_PTE_W);
#endif
	if (!CONFIG_FINISHER_BASE)
		return;
	KTEST_ASSERT(
	    translate_live((uint64_t)phys_to_virt(CONFIG_FINISHER_BASE), &pa, &flags, NULL));
	KTEST_ASSERT_EQ(pa, CONFIG_FINISHER_BASE);
	KTEST_ASSERT_EQ(flags & SV39_PTE_RWX, SV39_PTE_R | SV39_PTE_W);
}

KTEST(remap, stores_are_visible_through_aliases)
{
	struct sv39 *kpt = remap_kernel_table();
	volatile uint64_t *alias = (volatile uint64_t *)SCRATCH_VA;
	uint64_t image_page = ALIGN_DOWN(virt_to_phys((const void *)&alias_probe), PAGE_SIZE);
	uint64_t offset = virt_to_phys((const void *)&alias_probe) - image_page;
	size_t tables = kpt->table_pages;
	uintptr_t frame;
	struct trap_record r;

	KTEST_ASSERT(!translate_live(SCRATCH_VA, NULL, NULL, NULL));
	/* A frame: written through its linear-map address, read through a second mapping. */
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &frame), 0);
	KTEST_ASSERT_EQ(sv39_map_range(kpt, SCRATCH_VA, virt_to_phys((void *)frame), PAGE_SIZE,
	                               SV39_PTE_R | SV39_PTE_W | SV39_PTE_G),
	                0);
	((volatile uint64_t *)frame)[3] = 0x600dcafe12345678ULL;
	KTEST_ASSERT_EQ(alias[3], 0x600dcafe12345678ULL);
	alias[4] = 0xfeedULL;
	KTEST_ASSERT_EQ(((volatile uint64_t *)frame)[4], 0xfeedULL);
	KTEST_ASSERT_EQ(sv39_unmap_range(kpt, SCRATCH_VA, PAGE_SIZE), 0);

	/* The image's own page (the linear-map slot of its physical page) likewise. */
	KTEST_ASSERT_EQ(sv39_map_range(kpt, SCRATCH_VA, image_page, PAGE_SIZE,
	                               SV39_PTE_R | SV39_PTE_W | SV39_PTE_G),
	                0);
	alias[offset / 8] = 0xa11a5ULL;
	KTEST_ASSERT_EQ(alias_probe, 0xa11a5ULL);
	alias_probe = 77;
	KTEST_ASSERT_EQ(alias[offset / 8], 77);
	KTEST_ASSERT_EQ(sv39_unmap_range(kpt, SCRATCH_VA, PAGE_SIZE), 0);

	/* Unmapping flushed the TLB entry: the alias faults again. */
	trap_expect(EXC_LOAD_PAGE_FAULT);
	(void)alias[0];
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(kpt->table_pages, tables);
	KTEST_ASSERT_EQ(frame_free(frame, 1), 0);
}

KTEST(remap, wx_scan_catches_a_writable_executable_leaf)
{
	struct sv39 *kpt = remap_kernel_table();
	struct sv39 live;
	struct wx_report r;
	uintptr_t frame;

	kernel_live_table(&live);
	wx_scan(&live, &r);
	KTEST_ASSERT_EQ(r.violations, 0);
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &frame), 0);
	KTEST_ASSERT_EQ(sv39_map_range(kpt, SCRATCH_VA, virt_to_phys((void *)frame), PAGE_SIZE,
	                               SV39_PTE_RWX | SV39_PTE_G),
	                0);
	wx_scan(&live, &r);
	KTEST_ASSERT_EQ(sv39_unmap_range(kpt, SCRATCH_VA, PAGE_SIZE), 0);
	KTEST_ASSERT_EQ(frame_free(frame, 1), 0);
	KTEST_ASSERT_EQ(r.violations, 1);
	KTEST_ASSERT_EQ(r.first_va, SCRATCH_VA);
	wx_scan(&live, &r);
	KTEST_ASSERT_EQ(r.violations, 0);
}

/* Pages of the largest zone that starts below the boot-mapped gigapage's end. */
static size_t largest_low_zone(void)
{
	struct frame_zone_info z;
	size_t best = 0;

	for (size_t i = 0; frame_zone_info(i, &z) == 0; i++)
		if (z.base < CONFIG_RAM_BASE + GIGA)
			best = MAX(best, z.pages);
	return best;
}

KTEST(remap, frames_above_the_first_gigabyte_alloc_and_free)
{
	struct page_alloc_stats before, mid, after;
	size_t count = largest_low_zone() + 1;
	uintptr_t block;
	volatile uint64_t *first, *last;

	frame_stats(&before);
	if (physmem_ram_bytes(&memmap()->pm) <= 2 * GIGA)
		KTEST_SKIP("needs more than 2 GiB of RAM (boot with -m 4G)");
	/* Larger than any low zone: only a zone above 1 GiB can satisfy it. */
	KTEST_ASSERT_EQ(frame_alloc(count, PAGE_SIZE, &block), 0);
	KTEST_ASSERT(virt_to_phys((void *)block) >= CONFIG_RAM_BASE + GIGA);
	first = (volatile uint64_t *)block;
	last = (volatile uint64_t *)(block + count * PAGE_SIZE - 8);
	*first = 0x1111;
	*last = 0x2222;
	KTEST_ASSERT_EQ(*first + *last, 0x3333);
	frame_stats(&mid);
	KTEST_ASSERT_EQ(mid.used_pages, before.used_pages + count);
	KTEST_ASSERT_EQ(frame_free(block, count), 0);
	KTEST_ASSERT(frame_free(block, 1) != 0);
	frame_stats(&after);
	KTEST_ASSERT_EQ(after.used_pages, before.used_pages);
	KTEST_ASSERT_EQ(after.available_pages, before.available_pages);
}

KTEST(remap, frame_free_outside_every_zone_is_refused)
{
	struct page_alloc_stats before, after;

	frame_stats(&before);
	KTEST_ASSERT_EQ(frame_free((uintptr_t)_sheap, 1), -ENOTALLOC);
	KTEST_ASSERT_EQ(frame_free((uintptr_t)phys_to_virt(CONFIG_RAM_BASE), 1), -ENOTALLOC);
	frame_stats(&after);
	KTEST_ASSERT_EQ(after.used_pages, before.used_pages);
}

#endif /* CONFIG_PAGING_FULL_REMAP */
