// SPDX-License-Identifier: MIT
/*
 * The boot-time physical memory map: the device tree's /memory banks, its
 * reservations (memory reservation block and /reserved-memory), the firmware
 * region, the kernel image and the blob itself, turned into free ranges by
 * mm/physmem.c. A blob that is missing, unreachable or rejected by the FDT
 * reader gives way to the board's Kconfig RAM window, with a warning.
 */
#include <bora/errno.h>
#include <bora/fdt.h>
#include <bora/memmap.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/string.h>

#define GIGA (1ULL << 30)
/* DT spec v0.4, 5.2: ten 32-bit header fields; totalsize is the second. */
#define FDT_HEADER_SIZE 40
/*
 * Reserved for a rejected blob whose size cannot be trusted: QEMU gives the
 * DTB a 2 MiB-aligned slot of its own (hw/riscv/boot.c), so 2 MiB covers it.
 */
#define DTB_FALLBACK_RESERVE (2ULL << 20)

static struct memmap kernel_memmap;
static bool kernel_memmap_ready;

/* Scratch for the FDT queries: too large for the boot stack with big Kconfig limits. */
static struct fdt_range dtb_ranges[MAX(CONFIG_PHYSMEM_MAX_BANKS, CONFIG_PHYSMEM_MAX_RESERVED)];

const char *memmap_dtb_status_name(enum memmap_dtb_status status)
{
	switch (status) {
	case MEMMAP_DTB_OK:
		return "ok";
	case MEMMAP_DTB_MISSING:
		return "no device tree pointer";
	case MEMMAP_DTB_UNREACHABLE:
		return "outside the boot-mapped RAM";
	case MEMMAP_DTB_INVALID:
		return "rejected by the FDT reader";
	case MEMMAP_DTB_NO_MEMORY:
		return "no /memory node";
	case MEMMAP_DTB_BAD_BANKS:
		return "unusable /memory banks";
	}
	return "?";
}

/* "128 MiB", "4 GiB", "123.7 MiB": the largest unit, one decimal when inexact. */
static const char *size_str(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB"};
	unsigned int u = 0;
	uint64_t scale = 1;

	while (u + 1 < ARRAY_SIZE(units) && bytes / scale >= 1024) {
		scale *= 1024;
		u++;
	}
	if (bytes % scale == 0)
		ksnprintf(buf, len, "%llu %s", (unsigned long long)(bytes / scale), units[u]);
	else
		ksnprintf(buf, len, "%llu.%llu %s", (unsigned long long)(bytes / scale),
		          (unsigned long long)(bytes % scale * 10 / scale), units[u]);
	return buf;
}

static void print_range(const char *kind, uint64_t base, uint64_t size, const char *what)
{
	char sz[24];

	printk("memmap: %-8s [mem 0x%016llx-0x%016llx] %s%s%s\n", kind, (unsigned long long)base,
	       (unsigned long long)(base + size - 1), size_str(sz, sizeof(sz), size),
	       what ? "  " : "", what ? what : "");
}

static void reserve(struct memmap *mm, uint64_t base, uint64_t size, const char *what, bool verbose)
{
	int err;

	if (size == 0)
		return;
	if (size > UINT64_MAX - base)
		size = UINT64_MAX - base;
	err = physmem_reserve(&mm->pm, base, size);
	if (err)
		panic("memmap: cannot reserve %s [%#llx, +%#llx): %s (raise "
		      "CONFIG_PHYSMEM_MAX_RESERVED)",
		      what, (unsigned long long)base, (unsigned long long)size, errno_name(err));
	if (verbose)
		print_range("reserved", base, size, what);
}

/* The window the boot table maps, where the firmware is expected to put the blob. */
static enum memmap_dtb_status open_dtb(struct memmap *mm, struct fdt *fdt)
{
	uint64_t win_start = CONFIG_RAM_BASE, win_end = CONFIG_RAM_BASE + GIGA;
	uintptr_t pa = mm->dtb_pa;
	int err;

	if (pa == 0)
		return MEMMAP_DTB_MISSING;
	if (pa < win_start || pa >= win_end || win_end - pa < FDT_HEADER_SIZE)
		return MEMMAP_DTB_UNREACHABLE;
	err = fdt_init(fdt, phys_to_virt(pa), win_end - pa);
	if (err) {
		mm->err = err;
		return MEMMAP_DTB_INVALID;
	}
	mm->dtb_size = fdt->totalsize;
	return MEMMAP_DTB_OK;
}

static enum memmap_dtb_status add_dtb_banks(struct memmap *mm, const struct fdt *fdt, bool verbose)
{
	size_t n;
	int err = fdt_memory_banks(fdt, dtb_ranges, CONFIG_PHYSMEM_MAX_BANKS, &n);

	if (err == -FDT_ERR_NOSPACE) {
		if (verbose)
			printk("memmap: WARNING: more than %d /memory banks; only the first %d "
			       "used (CONFIG_PHYSMEM_MAX_BANKS)\n",
			       CONFIG_PHYSMEM_MAX_BANKS, CONFIG_PHYSMEM_MAX_BANKS);
	} else if (err) {
		mm->err = err;
		return MEMMAP_DTB_BAD_BANKS;
	}
	if (n == 0)
		return MEMMAP_DTB_NO_MEMORY;
	for (size_t i = 0; i < n; i++) {
		err = physmem_add_bank(&mm->pm, dtb_ranges[i].base, dtb_ranges[i].size);
		if (err) {
			mm->err = err;
			if (verbose && err == -EOVERLAP)
				printk("memmap: /memory bank [%#llx, +%#llx) overlaps [%#llx, "
				       "+%#llx)\n",
				       (unsigned long long)dtb_ranges[i].base,
				       (unsigned long long)dtb_ranges[i].size,
				       (unsigned long long)mm->pm.conflict.base,
				       (unsigned long long)mm->pm.conflict.size);
			return MEMMAP_DTB_BAD_BANKS;
		}
	}
	mm->dtb_banks = n;
	return MEMMAP_DTB_OK;
}

static void warn_fallback(const struct memmap *mm)
{
	const char *detail = "";

	if (mm->dtb_status == MEMMAP_DTB_INVALID)
		detail = fdt_strerror(mm->err);
	else if (mm->dtb_status == MEMMAP_DTB_BAD_BANKS)
		detail = mm->err <= -FDT_ERR_NOTFOUND ? fdt_strerror(mm->err) : errno_name(mm->err);
	printk("memmap: WARNING: device tree at %#lx unusable (%s%s%s); falling back to Kconfig "
	       "RAM [mem 0x%016llx-0x%016llx] (CONFIG_RAM_BASE, CONFIG_RAM_SIZE)\n",
	       (unsigned long)mm->dtb_pa, memmap_dtb_status_name(mm->dtb_status),
	       *detail ? ": " : "", detail, (unsigned long long)CONFIG_RAM_BASE,
	       (unsigned long long)(CONFIG_RAM_BASE + CONFIG_RAM_SIZE - 1));
}

static void reserve_dtb_entries(struct memmap *mm, const struct fdt *fdt, bool verbose)
{
	size_t n;
	int err = fdt_reservations(fdt, dtb_ranges, CONFIG_PHYSMEM_MAX_RESERVED, &n);

	/* Dropping a reservation would hand out memory someone else owns. */
	if (err == -FDT_ERR_NOSPACE)
		panic("memmap: device tree lists more than %d reservations (raise "
		      "CONFIG_PHYSMEM_MAX_RESERVED)",
		      CONFIG_PHYSMEM_MAX_RESERVED);
	if (err)
		panic("memmap: device tree reservations unreadable: %s", fdt_strerror(err));
	for (size_t i = 0; i < n; i++)
		reserve(mm, dtb_ranges[i].base, dtb_ranges[i].size, "device tree reservation",
		        verbose);
	mm->dtb_reserved = n;
}

static void print_summary(const struct memmap *mm)
{
	const struct physmem *pm = &mm->pm;
	uint64_t ram = physmem_ram_bytes(pm), free = physmem_free_bytes(pm);
	char a[24], b[24], c[24];

	for (size_t i = 0; i < pm->nr_free; i++)
		print_range("free", pm->free[i].base, pm->free[i].size, NULL);
	printk("memmap: %s RAM in %zu bank%s, %s free in %zu range%s, %s reserved or unmapped\n",
	       size_str(a, sizeof(a), ram), pm->nr_banks, pm->nr_banks == 1 ? "" : "s",
	       size_str(b, sizeof(b), free), pm->nr_free, pm->nr_free == 1 ? "" : "s",
	       size_str(c, sizeof(c), ram - free));
}

void memmap_build(struct memmap *mm, uintptr_t dtb_pa, uint64_t limit, bool verbose)
{
	struct fdt fdt;
	int err;

	memset(mm, 0, sizeof(*mm));
	physmem_init(&mm->pm);
	mm->dtb_pa = dtb_pa;
	mm->limit = limit;
	mm->image_start = ALIGN_DOWN(virt_to_phys(_skernel), PAGE_SIZE);
	mm->image_end = ALIGN_UP(virt_to_phys(_end), PAGE_SIZE);

	mm->dtb_status = open_dtb(mm, &fdt);
	if (mm->dtb_status == MEMMAP_DTB_OK && verbose)
		printk("memmap: device tree at %#lx, %u bytes\n", (unsigned long)dtb_pa,
		       mm->dtb_size);
	if (mm->dtb_status == MEMMAP_DTB_OK)
		mm->dtb_status = add_dtb_banks(mm, &fdt, verbose);
	if (mm->dtb_status != MEMMAP_DTB_OK) {
		if (verbose)
			warn_fallback(mm);
		physmem_init(&mm->pm);
		mm->dtb_banks = 0;
		err = physmem_add_bank(&mm->pm, CONFIG_RAM_BASE, CONFIG_RAM_SIZE);
		if (err)
			panic("memmap: Kconfig RAM window unusable: %s", errno_name(err));
	}
	if (verbose)
		for (size_t i = 0; i < mm->pm.nr_banks; i++)
			print_range("RAM", mm->pm.banks[i].base, mm->pm.banks[i].size,
			            mm->dtb_banks ? "device tree /memory" : "Kconfig");

	reserve(mm, CONFIG_RAM_BASE, CONFIG_FIRMWARE_SIZE, "firmware (CONFIG_FIRMWARE_SIZE)",
	        verbose);
	reserve(mm, mm->image_start, mm->image_end - mm->image_start, "kernel image", verbose);
	if (mm->dtb_size) {
		reserve(mm, ALIGN_DOWN(dtb_pa, PAGE_SIZE),
		        ALIGN_UP(dtb_pa + mm->dtb_size, PAGE_SIZE) - ALIGN_DOWN(dtb_pa, PAGE_SIZE),
		        "device tree blob", verbose);
		/* Structurally sound blobs keep their reservations even when /memory was bad. */
		reserve_dtb_entries(mm, &fdt, verbose);
	} else if (mm->dtb_status == MEMMAP_DTB_INVALID) {
		reserve(mm, ALIGN_DOWN(dtb_pa, PAGE_SIZE), DTB_FALLBACK_RESERVE,
		        "rejected device tree blob", verbose);
	}

	err = physmem_build(&mm->pm, limit);
	if (err)
		panic("memmap: cannot build the free list: %s", errno_name(err));
	if (verbose)
		print_summary(mm);
}

const struct memmap *memmap_init(uintptr_t dtb_pa, uint64_t limit)
{
	memmap_build(&kernel_memmap, dtb_pa, limit, true);
	kernel_memmap_ready = true;
	return &kernel_memmap;
}

const struct memmap *memmap(void)
{
	return kernel_memmap_ready ? &kernel_memmap : NULL;
}
