// SPDX-License-Identifier: MIT
/* The kernel shell's commands. Each prints its result and returns 0 or a negative errno. */
#include <bora/console.h>
#include <bora/errno.h>
#include <bora/fdt.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/ptdump.h>
#include <bora/shell.h>
#include <bora/string.h>
#include <asm/sbi.h>

#include <bora/boot_info.h>

#define GIGA (1UL << 30)

static const char *paging_stage(void)
{
#ifdef CONFIG_PAGING_FULL_REMAP
	return "full-remap";
#else
	return "early-gigapage";
#endif
}

/* The DTB, when it lies in RAM every paging stage maps (the first RAM gigapage). */
static bool open_dtb(struct fdt *fdt)
{
	uintptr_t pa = shell_dtb_pa();
	uintptr_t end = CONFIG_RAM_BASE + MIN((uintptr_t)CONFIG_RAM_SIZE, GIGA);

	if (pa < CONFIG_RAM_BASE || pa >= end)
		return false;
	return fdt_init(fdt, phys_to_virt(pa), end - pa) == 0;
}

static int cmd_help(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	printk("Commands:\n");
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++) {
		char head[40];

		ksnprintf(head, sizeof(head), "%s %s", c->name, c->usage);
		printk("  %-22s %s\n", head, c->help);
	}
	printk("Keys: Backspace, Ctrl-U (erase line), Ctrl-C (drop line), Up/Down (history)\n");
	return 0;
}

static int cmd_version(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	printk("Bora %s (board %s, paging %s, allocator %s, console %s)\n", CONFIG_BORA_VERSION,
	       CONFIG_BOARD, paging_stage(), heap_allocator_name(), console_name());
	printk("built with gcc %s\n", __VERSION__);
	return 0;
}

static bool contains(const char *s, const char *part)
{
	size_t n = strlen(part);

	for (; *s; s++)
		if (strncmp(s, part, n) == 0)
			return true;
	return n == 0;
}

static int cmd_config(int argc, char *argv[])
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	size_t shown = 0;

	for (size_t i = 0; i < shell_config_count; i++) {
		const struct shell_config_entry *e = &shell_config_table[i];

		if (filter && !contains(e->name, filter))
			continue;
		printk("%s=%s\n", e->name, e->value);
		shown++;
	}
	if (filter && shown == 0) {
		printk("config: no symbol matches '%s'\n", filter);
		return -ENOENT;
	}
	return 0;
}

static void print_ram(void)
{
	struct fdt fdt;
	struct fdt_range banks[CONFIG_PHYSMEM_MAX_BANKS];
	size_t count = 0;

	if (open_dtb(&fdt) && fdt_memory_banks(&fdt, banks, ARRAY_SIZE(banks), &count) == 0 &&
	    count > 0) {
		for (size_t i = 0; i < count; i++)
			printk("  RAM      0x%016llx - 0x%016llx  %8llu KiB (DTB /memory)\n",
			       (unsigned long long)banks[i].base,
			       (unsigned long long)(banks[i].base + banks[i].size),
			       (unsigned long long)(banks[i].size / 1024));
		return;
	}
	printk("  RAM      0x%016lx - 0x%016lx  %8lu KiB (board Kconfig, no usable DTB)\n",
	       (unsigned long)CONFIG_RAM_BASE, (unsigned long)(CONFIG_RAM_BASE + CONFIG_RAM_SIZE),
	       (unsigned long)(CONFIG_RAM_SIZE / 1024));
}

static int cmd_meminfo(int argc, char *argv[])
{
	struct page_alloc_stats fs;
	struct kheap_stats hs;

	(void)argc;
	(void)argv;
	frame_stats(&fs);
	kheap_stats(kmalloc_heap(), &hs);
	printk("meminfo:\n");
	print_ram();
	printk("  kernel   0x%016lx - 0x%016lx  %8lu KiB (image, stack, heap)\n",
	       (unsigned long)virt_to_phys(_skernel), (unsigned long)virt_to_phys(_end),
	       (unsigned long)((_end - _skernel) / 1024));
	printk("  frames   total %zu  used %zu  free %zu  metadata %zu  (%lu-byte pages)\n",
	       fs.total_pages, fs.used_pages, fs.available_pages, fs.metadata_pages, PAGE_SIZE);
	printk(
	    "  heap     %s: total %zu  used %zu  free %zu  largest %zu  peak %zu  metadata %zu\n",
	    heap_allocator_name(), hs.total, hs.used, hs.free, hs.largest_free, hs.peak_used,
	    hs.metadata);
	printk("  heap     live %zu  allocations %zu  failed %zu  regions added %zu  errors %zu\n",
	       hs.live_allocs, hs.total_allocs, hs.failed_allocs, hs.regions_added, hs.errors);
#ifdef CONFIG_PERCPU_CACHE
	/* Free memory parked in the harts' magazines: counted free above, given back on demand. */
	printk("  cached   frames %zu (%zu KiB)  heap blocks %zu (%zu bytes)\n", fs.cached_pages,
	       fs.cached_pages * (PAGE_SIZE / 1024), hs.cached_blocks, hs.cached);
#endif
	return 0;
}

static int cmd_heap(int argc, char *argv[])
{
	char why[128];
	struct kheap_stats hs;
	struct page_alloc_stats fs;
	int err, status = 0;

	(void)argc;
	if (strcmp(argv[1], "check") != 0) {
		printk("heap: unknown subcommand '%s' (expected: heap check)\n", argv[1]);
		return -EINVAL;
	}
	why[0] = '\0';
	err = kheap_validate(kmalloc_heap(), why, sizeof(why));
	kheap_stats(kmalloc_heap(), &hs);
	if (err) {
		printk("heap check: heap CORRUPT (%s): %s\n", errno_name(err), why);
		status = err;
	} else {
		printk("heap check: heap OK (%s, %zu live blocks, %zu bytes used)\n",
		       heap_allocator_name(), hs.live_allocs, hs.used);
	}
	why[0] = '\0';
	err = frame_validate(why, sizeof(why));
	frame_stats(&fs);
	if (err) {
		printk("heap check: frames CORRUPT (%s): %s\n", errno_name(err), why);
		status = status ? status : err;
	} else {
		printk("heap check: frames OK (%zu free of %zu)\n", fs.available_pages,
		       fs.total_pages);
	}
	return status;
}

static int cmd_ptdump(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	ptdump_kernel();
	return 0;
}

static bool parse_arg(const char *cmd, const char *what, const char *text, uint64_t *out)
{
	int err = shell_parse_u64(text, out);

	if (err)
		printk("%s: bad %s '%s': %s\n", cmd, what, text, shell_parse_error(err));
	return err == 0;
}

static int cmd_alloc(int argc, char *argv[])
{
	uint64_t size, align = 0;
	struct kheap_stats before, during, after;
	void *p;

	if (!parse_arg("alloc", "size", argv[1], &size) ||
	    (argc > 2 && !parse_arg("alloc", "alignment", argv[2], &align)))
		return -EINVAL;
	if (size == 0) {
		printk("alloc: size must be at least 1 byte\n");
		return -EINVAL;
	}
	if (argc > 2 && (align == 0 || (align & (align - 1)) != 0)) {
		printk("alloc: alignment %llu is not a power of two\n", (unsigned long long)align);
		return -EINVAL;
	}
	kheap_stats(kmalloc_heap(), &before);
	p = kmalloc_aligned((size_t)size, (size_t)align);
	if (!p) {
		printk("alloc: out of memory: no %llu-byte block aligned to %llu (heap free %zu, "
		       "largest %zu)\n",
		       (unsigned long long)size, (unsigned long long)(align ? align : 16),
		       before.free, before.largest_free);
		return -ENOMEM;
	}
	kheap_stats(kmalloc_heap(), &during);
	printk("alloc: %llu bytes at %p (physical 0x%lx), usable %zu\n", (unsigned long long)size,
	       p, (unsigned long)virt_to_phys(p), kheap_usable_size(kmalloc_heap(), p));
	memset(p, 0xa5, (size_t)size);
	printk("alloc: heap used %zu -> %zu bytes, live blocks %zu -> %zu\n", before.used,
	       during.used, before.live_allocs, during.live_allocs);
	kfree(p);
	kheap_stats(kmalloc_heap(), &after);
	printk("alloc: freed, heap used %zu bytes, live blocks %zu\n", after.used,
	       after.live_allocs);
	return 0;
}

static int cmd_poweroff(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	printk("Powering off\n");
	system_poweroff(true);
}

static int cmd_reboot(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
#ifdef CONFIG_SHELL_REBOOT
	printk("Rebooting\n");
	sbi_system_reset(SBI_SRST_COLD_REBOOT, SBI_SRST_REASON_NONE);
#else
	printk("reboot: not available on board %s: its firmware cannot reset the machine "
	       "(CONFIG_SHELL_REBOOT=n)\n",
	       CONFIG_BOARD);
	return -ENOTSUP;
#endif
}

SHELL_CMD(help, "", "list the commands", 0, 0, cmd_help);
SHELL_CMD(version, "", "kernel version, board and build", 0, 0, cmd_version);
SHELL_CMD(config, "[filter]", "resolved configuration (names containing filter)", 0, 1, cmd_config);
SHELL_CMD(meminfo, "", "RAM, frames and heap statistics", 0, 0, cmd_meminfo);
SHELL_CMD(heap, "check", "validate the heap and the frame allocator", 1, 1, cmd_heap);
SHELL_CMD(ptdump, "", "the live page table as ranges", 0, 0, cmd_ptdump);
SHELL_CMD(alloc, "<size> [align]", "kmalloc, report, kfree (size: 4096, 0x1000, 4k)", 1, 2,
          cmd_alloc);
SHELL_CMD(poweroff, "", "power off through SBI (QEMU exits 0)", 0, 0, cmd_poweroff);
SHELL_CMD(reboot, "", "cold reboot through SBI", 0, 0, cmd_reboot);
