// SPDX-License-Identifier: MIT
/*
 * Stage 2 of the paging design: replace the build-time gigapage boot table
 * with a three-level Sv39 table (RISC-V privileged spec 4.4) whose pages come
 * from the frame allocator.
 *
 * The kernel image is linked at CONFIG_KERNEL_VIRT_OFFSET + its load address,
 * so its virtual range is exactly the linear-map slot of its physical pages:
 * the image is mapped section by section (text R-X, rodata R--, data/bss,
 * stack and heap RW-, the stack guard page left out) and the rest of each RAM
 * bank around it RW- with the largest leaves alignment allows. Every leaf is
 * global (G) with A and D set by sv39_map_range; nothing is identity-mapped.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/smp.h>

#define KERNEL_RW (SV39_PTE_R | SV39_PTE_W | SV39_PTE_G)
#define KERNEL_RX (SV39_PTE_R | SV39_PTE_X | SV39_PTE_G)
#define KERNEL_RO (SV39_PTE_R | SV39_PTE_G)

static struct sv39 kernel_pt;
static bool kernel_pt_built;
static bool kernel_pt_live;

static uint64_t read_satp(void)
{
	uint64_t v;

	__asm__ volatile("csrr %0, satp" : "=r"(v)::"memory");
	return v;
}

static int kpt_alloc_table(void *ctx, uint64_t *pa)
{
	uintptr_t va;
	int err = frame_alloc(1, PAGE_SIZE, &va);

	(void)ctx;
	if (!err)
		*pa = virt_to_phys((void *)va);
	return err;
}

static void kpt_free_table(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (frame_free((uintptr_t)phys_to_virt(pa), 1) != 0)
		panic("remap: page-table frame %#llx was not allocated", (unsigned long long)pa);
}

/* Table frames are RAM, reachable through the linear map in both paging stages. */
static void *kpt_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

/*
 * Privileged spec 4.2.1: sfence.vma after changing a live PTE. It is local to
 * the hart, and every hart may cache these global mappings: tlb_flush_range
 * fences the others too.
 */
static void kpt_flush(void *ctx, uint64_t va)
{
	(void)ctx;
	if (!kernel_pt_live)
		return;
	if (va == SV39_FLUSH_ALL)
		tlb_flush_range(0, 0);
	else
		tlb_flush_range(va, PAGE_SIZE);
}

static const struct sv39_env kernel_env = {
    .alloc_table = kpt_alloc_table,
    .free_table = kpt_free_table,
    .phys_to_virt = kpt_phys_to_virt,
    .flush = kpt_flush,
};

struct sv39 *remap_kernel_table(void)
{
	return kernel_pt_built ? &kernel_pt : NULL;
}

void kernel_live_table(struct sv39 *view)
{
	*view = (struct sv39){
	    .env = &kernel_env,
	    .root_pa = (read_satp() & SATP_PPN_MASK) << 12,
	};
}

static int wx_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct wx_report *r = arg;

	r->leaves++;
	if ((leaf->flags & SV39_PTE_W) && (leaf->flags & SV39_PTE_X)) {
		if (r->violations++ == 0) {
			r->first_va = leaf->va;
			r->first_flags = leaf->flags;
		}
	}
	return 0;
}

void wx_scan(const struct sv39 *pt, struct wx_report *r)
{
	*r = (struct wx_report){0};
	sv39_walk(pt, wx_leaf, r);
}

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm, const char *what)
{
	int err;

	if (size == 0)
		return;
	err = sv39_map_range(&kernel_pt, va, pa, size, perm);
	if (err)
		panic("remap: cannot map %s: VA %#llx -> PA %#llx, %#llx bytes: %s", what,
		      (unsigned long long)va, (unsigned long long)pa, (unsigned long long)size,
		      errno_name(err));
}

static void map_image_part(const char *start, const char *end, uint64_t perm, const char *what)
{
	uintptr_t s = ALIGN_DOWN((uintptr_t)start, PAGE_SIZE);
	uintptr_t e = ALIGN_UP((uintptr_t)end, PAGE_SIZE);

	if (e > s)
		map_or_panic(s, virt_to_phys((void *)s), e - s, perm, what);
}

/* The linker layout page-aligns every section start, so no page holds two permissions. */
static void map_image(void)
{
	map_image_part(_skernel, _srodata, KERNEL_RX, "kernel text");
	map_image_part(_srodata, _sdata, KERNEL_RO, "kernel rodata");
	map_image_part(_sdata, _sstack_guard, KERNEL_RW, "kernel data and bss");
	/* [_sstack_guard, _sstack) stays unmapped: an overflow faults there. */
	map_image_part(_sstack, _end, KERNEL_RW, "boot stack and heap");
}

static void map_ram(uint64_t start, uint64_t end)
{
	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (end > start)
		map_or_panic((uint64_t)phys_to_virt(start), start, end - start, KERNEL_RW,
		             "linear map of RAM");
}

/* Every bank, around the image whose pages map_image() placed in the same slots. */
static uint64_t map_linear(const struct physmem *pm, uint64_t limit)
{
	uint64_t img_start = ALIGN_DOWN(virt_to_phys(_skernel), PAGE_SIZE);
	uint64_t img_end = ALIGN_UP(virt_to_phys(_end), PAGE_SIZE);
	uint64_t mapped = 0;

	for (size_t i = 0; i < pm->nr_banks; i++) {
		uint64_t s = pm->banks[i].base;
		uint64_t e = MIN(s + pm->banks[i].size, limit);

		if (s >= e)
			continue;
		mapped += e - s;
		if (img_start < e && img_end > s) {
			map_ram(s, img_start);
			map_ram(img_end, e);
		} else {
			map_ram(s, e);
		}
	}
	return mapped;
}

/* One page of device registers; a page another device (or RAM) already covers is fine. */
static size_t map_mmio(uint64_t pa, const char *what)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	int err =
	    sv39_map_range(&kernel_pt, (uint64_t)phys_to_virt(base), base, PAGE_SIZE, KERNEL_RW);

	if (err == -EEXIST)
		return 0;
	if (err)
		panic("remap: cannot map %s at %#llx: %s", what, (unsigned long long)pa,
		      errno_name(err));
	return 1;
}

static size_t map_devices(void)
{
	size_t pages = 0;

#ifdef CONFIG_UART_BASE
	pages += map_mmio(CONFIG_UART_BASE, "UART (CONFIG_UART_BASE)");
#endif
	if (CONFIG_FINISHER_BASE)
		pages += map_mmio(CONFIG_FINISHER_BASE, "test finisher (CONFIG_FINISHER_BASE)");
	return pages;
}

/*
 * Executing from high-half text that both tables map identically, on a stack
 * both map: the only instruction whose translation changes mid-stream is the
 * one after csrw, which the new table maps at the same physical address. The
 * fence before orders the table stores ahead of the walker's implicit reads.
 */
static void switch_satp(uint64_t satp)
{
	__asm__ volatile("sfence.vma zero, zero\n\t"
	                 "csrw satp, %0\n\t"
	                 "sfence.vma zero, zero" ::"r"(satp)
	                 : "memory");
}

static void check_wx(void)
{
	struct sv39 live;
	struct wx_report r;

	kernel_live_table(&live);
	wx_scan(&live, &r);
	if (r.violations)
		panic(
		    "mm: W^X check: %zu writable and executable leaves, first at %#llx (PTE flags "
		    "%#llx)",
		    r.violations, (unsigned long long)r.first_va,
		    (unsigned long long)r.first_flags);
	printk("mm: W^X check: ok, %zu leaves\n", r.leaves);
}

/* The table's page count when it went live (stack guards split blocks later). */
static size_t boot_table_pages;

size_t remap_boot_table_pages(void)
{
	return boot_table_pages;
}

void remap_kernel(const struct physmem *pm, uint64_t linear_limit)
{
	uint64_t satp, boot_satp = read_satp();
	uint64_t ram;
	size_t mmio;
	int err;

	err = sv39_init(&kernel_pt, &kernel_env);
	if (err)
		panic("remap: no frame for the root table: %s", errno_name(err));
	kernel_pt_built = true;
	map_image();
	ram = map_linear(pm, linear_limit);
	mmio = map_devices();
	err = sv39_validate(&kernel_pt);
	if (err)
		panic("remap: the new table fails validation: %s", errno_name(err));

	satp = sv39_satp(kernel_pt.root_pa, 0);
	switch_satp(satp);
	kernel_pt_live = true;
	boot_table_pages = kernel_pt.table_pages;
	printk("mm: remap: %llu MiB of RAM linear at %#lx, image by section, %zu MMIO page%s, "
	       "%zu page-table pages (%zu KiB)\n",
	       (unsigned long long)(ram >> 20), (unsigned long)CONFIG_KERNEL_VIRT_OFFSET, mmio,
	       mmio == 1 ? "" : "s", kernel_pt.table_pages,
	       kernel_pt.table_pages * PAGE_SIZE / 1024);
	printk("mm: remap: satp %#llx -> %#llx, boot page table at %#lx retired\n",
	       (unsigned long long)boot_satp, (unsigned long long)satp,
	       (unsigned long)virt_to_phys(boot_pt_sv39));
	check_wx();
}

/* Pages remap_mmio() added to the live table, for the audit in tests/kernel/test_remap.c. */
#define REMAP_MMIO_MAX_PAGES 32
static uint64_t mmio_pages[REMAP_MMIO_MAX_PAGES];
static size_t mmio_page_count;

bool remap_is_mmio_page(uint64_t pa)
{
	for (size_t i = 0; i < mmio_page_count; i++)
		if (mmio_pages[i] == pa)
			return true;
	return false;
}

int remap_mmio(uint64_t pa, uint64_t size)
{
	uint64_t start = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + size, PAGE_SIZE);
	struct sv39 live;

	if (size == 0 || end <= start)
		return -EINVAL;
	if (kernel_pt_live) {
		for (uint64_t p = start; p < end; p += PAGE_SIZE) {
			int err = sv39_map_range(&kernel_pt, (uint64_t)phys_to_virt(p), p,
			                         PAGE_SIZE, KERNEL_RW);

			if (err && err != -EEXIST)
				return err;
			if (!err && mmio_page_count < REMAP_MMIO_MAX_PAGES)
				mmio_pages[mmio_page_count++] = p;
		}
		return 0;
	}
	/* The boot table is build-time data: the range must already be in one of its gigapages. */
	kernel_live_table(&live);
	for (uint64_t p = start; p < end; p += PAGE_SIZE) {
		uint64_t got;

		if (sv39_translate(&live, (uint64_t)phys_to_virt(p), &got, NULL, NULL) || got != p)
			return -ENOENT;
	}
	return 0;
}
