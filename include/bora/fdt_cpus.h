/* SPDX-License-Identifier: MIT */
/*
 * The harts a device tree lists under /cpus (Devicetree Specification v0.4,
 * section 3.7; RISC-V bindings: "riscv,isa", "mmu-type"), each classified as
 * usable by this kernel or skipped with a reason. Host-tested with dtc-built
 * blobs (tests/unit/test_fdt_cpus.c); the SMP bring-up (kernel/smp.c) starts
 * the usable ones.
 */
#ifndef BORA_FDT_CPUS_H
#define BORA_FDT_CPUS_H

#include <bora/fdt.h>

/* Why a hart is not used; FDT_HART_USABLE when it is. */
enum fdt_hart_verdict {
	FDT_HART_USABLE,
	FDT_HART_DISABLED,    /* "status" is neither "okay" nor "ok" (nor absent) */
	FDT_HART_NO_MMU,      /* no "mmu-type", or "riscv,none" */
	FDT_HART_SMALL_MMU,   /* an mmu-type narrower than Sv39 ("riscv,sv32") or unknown */
	FDT_HART_ISA_DIFFERS, /* "riscv,isa" differs from the boot hart's */
	FDT_HART_BAD_REG,     /* no "reg", or not one hart id */
	FDT_HART_DUPLICATE,   /* the same hart id as an earlier node */
	FDT_HART_OVER_LIMIT,  /* usable, but the first `max_usable` were taken already */
};

struct fdt_hart {
	uint64_t hartid;
	int node;
	enum fdt_hart_verdict verdict;
	bool is_boot;         /* the hart whose id the caller passed */
	const char *isa;      /* "riscv,isa" inside the blob; NULL when absent */
	const char *mmu_type; /* "mmu-type" inside the blob; NULL when absent */
};

/* "usable", "status not okay", "no MMU", ... for the boot log. */
const char *fdt_hart_verdict_name(enum fdt_hart_verdict v);

/*
 * Every child of /cpus with device_type "cpu", in document order, into out[]
 * (at most `max`; -FDT_ERR_NOSPACE when there are more, the first `max` kept).
 * The node of `boot_hartid` is always usable (it runs this code) and counts
 * towards `max_usable` first; every other hart must have status okay, an
 * mmu-type of riscv,sv39/sv48/sv57 and the boot hart's riscv,isa string.
 * -FDT_ERR_NOTFOUND when there is no /cpus node or no node for the boot hart
 * (*count then holds what was found).
 */
int fdt_harts(const struct fdt *fdt, uint64_t boot_hartid, size_t max_usable, struct fdt_hart *out,
              size_t max, size_t *count);

/* /cpus "timebase-frequency" (the time CSR's rate, Hz); 0 when absent or malformed. */
uint32_t fdt_timebase_frequency(const struct fdt *fdt);

#endif
