// SPDX-License-Identifier: MIT
#include <bora/devicetree.h>
#include <bora/mm.h>
#include <bora/percpu.h>
#include <bora/printk.h>

/*
 * The blob must lie where every paging stage maps RAM: the first RAM gigapage, the same window
 * memmap reads it from. Not bounded by CONFIG_RAM_SIZE: QEMU puts the blob near the top of RAM
 * (below 3 GiB), past the board's Kconfig size when the machine is given more RAM.
 */
#define DT_WINDOW (1UL << 30)

static struct fdt boot_fdt;
static bool boot_fdt_ok;

void dt_init(uintptr_t dtb_pa)
{
	uintptr_t end = CONFIG_RAM_BASE + DT_WINDOW;
	int err;

	boot_fdt_ok = false;
	if (dtb_pa < CONFIG_RAM_BASE || dtb_pa >= end)
		return;
	err = fdt_init(&boot_fdt, phys_to_virt(dtb_pa), end - dtb_pa);
	if (err) {
		printk("dt: the device tree at %#lx is invalid (%s); drivers use Kconfig values\n",
		       (unsigned long)dtb_pa, fdt_strerror(err));
		return;
	}
	boot_fdt_ok = true;
}

const struct fdt *dt_get(void)
{
	return boot_fdt_ok ? &boot_fdt : NULL;
}

int dt_boot_cpu(void)
{
	if (!boot_fdt_ok)
		return -FDT_ERR_NOTFOUND;
	return fdt_cpu_node(&boot_fdt, this_cpu()->hartid);
}

int dt_find_compatible(const char *compat)
{
	int node = -1;

	if (!boot_fdt_ok)
		return -FDT_ERR_NOTFOUND;
	for (;;) {
		node = fdt_find_compatible(&boot_fdt, node, compat);
		if (node < 0 || !fdt_prop_has_string(&boot_fdt, node, "status", "disabled"))
			return node;
	}
}
