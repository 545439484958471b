/* SPDX-License-Identifier: MIT */
/* Supervisor CSRs and their fields (RISC-V privileged spec, chapter 4). */
#ifndef ASM_CSR_H
#define ASM_CSR_H

#define SSTATUS_SIE  (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP  (1UL << 8)
#define SSTATUS_SUM  (1UL << 18)

/* satp's MODE field set to Sv39 (spec 4.1.11, table 4.4); field helpers live in <bora/sv39.h>. */
#define SATP_MODE_SV39_FIELD (8UL << 60)

#define SCAUSE_INTERRUPT (1UL << 63)

/* Exception codes, spec table 4.2. */
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

#ifndef __ASSEMBLER__
#define csr_read(csr)                                                                              \
	({                                                                                         \
		unsigned long __v;                                                                 \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory");                          \
		__v;                                                                               \
	})

#define csr_write(csr, val)                                                                        \
	__asm__ volatile("csrw " #csr ", %0" ::"rK"((unsigned long)(val)) : "memory")

static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

static inline unsigned long read_time(void)
{
	unsigned long t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}
#endif

#endif
