// SPDX-License-Identifier: MIT
/* The state head.S leaves behind: high-half execution and the generated boot table. */
#include <bora/ktest.h>
#include <bora/mm.h>
#include <bora/sv39.h>
#include <asm/csr.h>

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define GIGA  (1UL << 30)

static unsigned vpn2(uint64_t va)
{
	return (va >> 30) & 511;
}

static uint64_t expected_pte(unsigned index)
{
	uint64_t ram_giga = CONFIG_RAM_BASE & ~(GIGA - 1);
	uint64_t leaf = PTE_V | PTE_A | PTE_D | PTE_G;

	if (index == vpn2(ram_giga) || index == vpn2(ram_giga + CONFIG_KERNEL_VIRT_OFFSET))
		return ((ram_giga >> 12) << 10) | leaf | PTE_R | PTE_W | PTE_X;
#ifdef CONFIG_UART_BASE
	if (index == vpn2((CONFIG_UART_BASE & ~(GIGA - 1)) + CONFIG_KERNEL_VIRT_OFFSET))
		return (((CONFIG_UART_BASE & ~(GIGA - 1)) >> 12) << 10) | leaf | PTE_R | PTE_W;
#endif
	if (CONFIG_FINISHER_BASE &&
	    index == vpn2((CONFIG_FINISHER_BASE & ~(GIGA - 1)) + CONFIG_KERNEL_VIRT_OFFSET))
		return (((CONFIG_FINISHER_BASE & ~(GIGA - 1)) >> 12) << 10) | leaf | PTE_R | PTE_W;
	return 0;
}

static uintptr_t current_pc(void)
{
	uintptr_t pc;

	__asm__ volatile("auipc %0, 0" : "=r"(pc));
	return pc;
}

KTEST(boot, runs_in_high_half)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	KTEST_ASSERT(current_pc() >= CONFIG_KERNEL_VIRT_OFFSET);
	KTEST_ASSERT(sp >= (uintptr_t)_sstack && sp <= (uintptr_t)_estack);
	KTEST_ASSERT_EQ((uintptr_t)_skernel, CONFIG_KERNEL_LOAD_ADDR + CONFIG_KERNEL_VIRT_OFFSET);
}

KTEST(boot, satp_points_at_boot_table)
{
	unsigned long satp = csr_read(satp);

#ifdef CONFIG_PAGING_FULL_REMAP
	KTEST_SKIP("the stage-2 table replaced it (remap.satp_points_at_the_kernel_table)");
#endif
	KTEST_ASSERT_EQ(satp >> 60, 8);
	KTEST_ASSERT_EQ(satp & SATP_PPN_MASK, virt_to_phys(boot_pt_sv39) >> 12);
}

KTEST(boot, boot_table_holds_exactly_the_generated_entries)
{
	const uint64_t *pt = (const uint64_t *)boot_pt_sv39;
	unsigned leaves = 0;

	for (unsigned i = 0; i < 512; i++) {
		KTEST_ASSERT_EQ(pt[i], expected_pte(i));
		if (pt[i])
			leaves++;
	}
	KTEST_ASSERT(leaves >= 2);
}

KTEST(boot, stvec_is_high_half_trap_entry)
{
	extern char trap_entry[];

	KTEST_ASSERT_EQ(csr_read(stvec), (uintptr_t)trap_entry);
	KTEST_ASSERT(csr_read(stvec) >= CONFIG_KERNEL_VIRT_OFFSET);
}

static unsigned long bss_probe[4];

KTEST(boot, bss_is_cleared)
{
	for (unsigned i = 0; i < ARRAY_SIZE(bss_probe); i++)
		KTEST_ASSERT_EQ(bss_probe[i], 0);
}

KTEST(boot, layout_is_page_aligned_and_ordered)
{
	KTEST_ASSERT(IS_ALIGNED((uintptr_t)_srodata, PAGE_SIZE));
	KTEST_ASSERT(IS_ALIGNED((uintptr_t)_sdata, PAGE_SIZE));
	KTEST_ASSERT(IS_ALIGNED((uintptr_t)_sbss, PAGE_SIZE));
	KTEST_ASSERT(IS_ALIGNED((uintptr_t)_sheap, PAGE_SIZE));
	KTEST_ASSERT((uintptr_t)_etext <= (uintptr_t)_srodata);
	KTEST_ASSERT((uintptr_t)_erodata <= (uintptr_t)_sdata);
	KTEST_ASSERT((uintptr_t)_edata <= (uintptr_t)_sbss);
	KTEST_ASSERT((uintptr_t)_ebss <= (uintptr_t)_sstack_guard);
	KTEST_ASSERT_EQ((uintptr_t)_sstack_guard + PAGE_SIZE, (uintptr_t)_sstack);
	KTEST_ASSERT_EQ(_estack - _sstack, CONFIG_BOOT_STACK_SIZE);
	KTEST_ASSERT_EQ(_eheap - _sheap, CONFIG_HEAP_SIZE);
}
