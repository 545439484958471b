// SPDX-License-Identifier: MIT
/*
 * Find the PLIC and this hart's S-mode context: the "riscv,plic0" node's reg,
 * riscv,ndev, and the position of (this hart's cpu-intc, cause 9) in its
 * interrupts-extended (PLIC specification 1.0.0, chapter 1: contexts are
 * numbered in that order). Without a usable node, the board's Kconfig values
 * with a warning, as the memory map does.
 */
#include <bora/devicetree.h>
#include <bora/errno.h>
#include <bora/irq.h>
#include <bora/plic.h>
#include <bora/printk.h>

static int probe_dt(uint64_t *base, unsigned int *ndev, unsigned int *context, const char **why)
{
	const struct fdt *fdt = dt_get();
	int node = dt_find_compatible("riscv,plic0"), cpu = dt_boot_cpu(), ctx;
	struct fdt_range reg;
	uint32_t n, intc;

	if (!fdt) {
		*why = "no device tree";
		return -ENOENT;
	}
	if (node < 0) {
		*why = "no riscv,plic0 node";
		return -ENOENT;
	}
	if (fdt_reg(fdt, node, 0, &reg) != 0 || reg.size == 0) {
		*why = "the PLIC node has no reg";
		return -EINVAL;
	}
	if (fdt_prop_u32(fdt, node, "riscv,ndev", &n) != 0 || n == 0 || n >= PLIC_MAX_SOURCES) {
		*why = "riscv,ndev missing or out of range";
		return -EINVAL;
	}
	if (cpu < 0 || fdt_cpu_intc(fdt, cpu, &intc) != 0) {
		*why = "the boot hart has no cpu node or interrupt controller";
		return -EINVAL;
	}
	ctx = fdt_interrupts_extended_index(fdt, node, intc, IRQ_CAUSE_S_EXT);
	if (ctx < 0) {
		*why = "no S-mode context for the boot hart in interrupts-extended";
		return -EINVAL;
	}
	*base = reg.base;
	*ndev = n;
	*context = (unsigned int)ctx;
	return 0;
}

const char *plic_probe(uint64_t *base, unsigned int *ndev, unsigned int *context)
{
	const char *why = "";

	if (probe_dt(base, ndev, context, &why) == 0)
		return "devicetree";
#ifndef CONFIG_HAS_PLIC
	return NULL;
#else
	printk("irq: warning: %s; using the board's CONFIG_PLIC_BASE %#lx, CONFIG_PLIC_NDEV %u, "
	       "CONFIG_PLIC_CONTEXT %u\n",
	       why, (unsigned long)CONFIG_PLIC_BASE, (unsigned)CONFIG_PLIC_NDEV,
	       (unsigned)CONFIG_PLIC_CONTEXT);
	*base = CONFIG_PLIC_BASE;
	*ndev = CONFIG_PLIC_NDEV;
	*context = CONFIG_PLIC_CONTEXT;
	return "Kconfig";
#endif
}
