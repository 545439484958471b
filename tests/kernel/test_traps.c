// SPDX-License-Identifier: MIT
/* Deliberate faults: each must reach trap_handle with the right cause and stval. */
#include <bora/ktest.h>
#include <bora/trap.h>
#include <asm/csr.h>

/* VPN[2] index 1 (0x4000_0000) is never mapped by the boot table or the remap. */
#define UNMAPPED_VA 0x40000100UL

KTEST(traps, illegal_instruction_is_caught)
{
	uintptr_t where;
	struct trap_record r;

	trap_expect(EXC_ILLEGAL_INST);
	/* `unimp` is csrrw x0, cycle, x0: a write to a read-only CSR, always illegal. */
	__asm__ volatile("lla %0, 1f\n1: unimp" : "=r"(where)::"memory");
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.cause, EXC_ILLEGAL_INST);
	KTEST_ASSERT_EQ(r.sepc, where);
}

KTEST(traps, load_page_fault_reports_address)
{
	volatile uint64_t *p = (volatile uint64_t *)UNMAPPED_VA;
	struct trap_record r;

	trap_expect(EXC_LOAD_PAGE_FAULT);
	(void)*p;
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, UNMAPPED_VA);
}

KTEST(traps, store_page_fault_reports_address)
{
	volatile uint32_t *p = (volatile uint32_t *)(UNMAPPED_VA + 0x1000);
	struct trap_record r;

	trap_expect(EXC_STORE_PAGE_FAULT);
	*p = 0xdead;
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(r.stval, UNMAPPED_VA + 0x1000);
}

KTEST(traps, breakpoint_is_caught_and_skipped)
{
	volatile int after = 0;
	struct trap_record r;

	trap_expect(EXC_BREAKPOINT);
	__asm__ volatile("ebreak" ::: "memory");
	after = 1;
	r = trap_expect_result();
	KTEST_ASSERT(r.hit);
	KTEST_ASSERT_EQ(after, 1);
}

KTEST(traps, unarmed_expectation_records_nothing)
{
	struct trap_record r;

	trap_expect(EXC_LOAD_PAGE_FAULT);
	r = trap_expect_result();
	KTEST_ASSERT(!r.hit);
}

KTEST(traps, cause_names)
{
	KTEST_ASSERT(__builtin_strcmp(trap_cause_name(EXC_ILLEGAL_INST), "illegal instruction") ==
	             0);
	KTEST_ASSERT(__builtin_strcmp(trap_cause_name(EXC_LOAD_PAGE_FAULT), "load page fault") ==
	             0);
	KTEST_ASSERT(__builtin_strcmp(trap_cause_name(SCAUSE_INTERRUPT | 5),
	                              "supervisor timer interrupt") == 0);
	KTEST_ASSERT(__builtin_strcmp(trap_cause_name(11), "unknown") == 0);
}
