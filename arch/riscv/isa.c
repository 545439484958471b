// SPDX-License-Identifier: MIT
/*
 * A kernel built with CONFIG_RISCV_ISA_ZBB has Zbb instructions anywhere the
 * compiler chose them, so it cannot run on a hart without Zbb. The device
 * tree says what the hart has; the check runs as soon as the tree is parsed.
 * Code before it (the memory setup's bitmap scans) may already have faulted
 * on a Zbb instruction: the trap report then names the option too.
 */
#include <bora/devicetree.h>
#include <bora/fdt.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/riscv_insn.h>
#include <asm/isa.h>

#define ZBB_ADVICE "the kernel is built with CONFIG_RISCV_ISA_ZBB=y; rebuild with it off"

void arch_isa_check(void)
{
#ifdef CONFIG_RISCV_ISA_ZBB
	int cpu = dt_boot_cpu();

	if (cpu < 0) {
		printk("isa: no device-tree node for the boot hart: cannot check for Zbb\n");
		return;
	}
	if (!fdt_cpu_has_extension(dt_get(), cpu, "zbb"))
		panic("isa: the boot hart's riscv,isa does not list zbb, but " ZBB_ADVICE);
#endif
}

const char *arch_isa_missing_hint(uint32_t insn)
{
#ifdef CONFIG_RISCV_ISA_ZBB
	if (riscv_insn_is_zbb(insn))
		return "a Zbb instruction: the hart lacks Zbb, but " ZBB_ADVICE;
#else
	(void)insn;
#endif
	return NULL;
}
