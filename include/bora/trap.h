/* SPDX-License-Identifier: MIT */
/* Kernel-facing trap services: cause names and expected traps for tests. */
#ifndef BORA_TRAP_H
#define BORA_TRAP_H

#include <bora/types.h>

struct trap_record {
	bool hit;
	uint64_t cause;
	uint64_t sepc;
	uint64_t stval;
};

/* "illegal instruction", "load page fault", ...; "unknown" for reserved codes. */
const char *trap_cause_name(uint64_t scause);

/*
 * Arm a one-shot expectation: the next trap with this exception code is
 * recorded instead of reported. Execution resumes after the faulting
 * instruction, or, for instruction-fetch faults, at the return address (so a
 * test can call into a non-executable address and get back).
 */
void trap_expect(uint64_t cause);
/* Disarm and return what happened since trap_expect(). */
struct trap_record trap_expect_result(void);

#endif
