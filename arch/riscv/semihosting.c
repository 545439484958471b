// SPDX-License-Identifier: MIT
#include <bora/trap.h>
#include <asm/semihosting.h>
#include <asm/csr.h>

/* Arm semihosting operation numbers and stop reasons ("Semihosting for AArch32 and AArch64"). */
#define SEMIHOST_SYS_EXIT                0x18
#define SEMIHOST_ADP_STOPPED_APPLICATION 0x20026

static long semihosting_call(long op, const void *param)
{
	register long a0 __asm__("a0") = op;
	register long a1 __asm__("a1") = (long)param;

	/*
	 * The spec's marker: slli x0,x0,0x1f; ebreak; srai x0,x0,7, all three
	 * uncompressed and in one page (16-byte alignment keeps them together).
	 */
	__asm__ volatile(".option push\n"
	                 ".option norvc\n"
	                 ".balign 16\n"
	                 "slli x0, x0, 0x1f\n"
	                 "ebreak\n"
	                 "srai x0, x0, 7\n"
	                 ".option pop\n"
	                 : "+r"(a0)
	                 : "r"(a1)
	                 : "memory");
	return a0;
}

void semihosting_exit(uint32_t status)
{
	/* On a 64-bit target SYS_EXIT takes a pointer to {reason, subcode}. */
	const uint64_t block[2] = {SEMIHOST_ADP_STOPPED_APPLICATION, status};

	/*
	 * Without host support (QEMU run without -semihosting-config) the
	 * marker is an ordinary breakpoint: expect it, so it is skipped rather
	 * than reported, and return so the caller falls back to SBI SRST.
	 */
	trap_expect(EXC_BREAKPOINT);
	semihosting_call(SEMIHOST_SYS_EXIT, block);
	trap_expect_result();
}
