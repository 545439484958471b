// SPDX-License-Identifier: MIT
/*
 * Instructions per null system call, U-mode to the kernel and back, counted
 * with rdinstret around a bare ecall (meaningful under QEMU -icount, where
 * instret counts every retired instruction, the kernel's included). The
 * count of an empty measurement is subtracted. Prints
 *   bench: goal null_syscall figure=<min> limit=100 unit=instret <met|missed> mean=<x>
 * as the ktest bench suite's other lines do (scripts/boot_cost.py reads it).
 */
#include <user.h>

#define ROUNDS 1000
#define LIMIT  100 /* docs/benchmarks.md: Zephyr's user syscall is 748 on RISC-V */

static unsigned long null_call(void)
{
	register long a0 __asm__("a0") = 0;
	register long a7 __asm__("a7") = SYS_NULL;
	unsigned long t0, t1;

	__asm__ volatile("rdinstret %0\n\t"
	                 "ecall\n\t"
	                 "rdinstret %1"
	                 : "=&r"(t0), "=&r"(t1), "+r"(a0)
	                 : "r"(a7)
	                 : "memory", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a1", "a2", "a3",
	                   "a4", "a5", "a6", "ra");
	return t1 - t0;
}

static unsigned long empty(void)
{
	unsigned long t0, t1;

	__asm__ volatile("rdinstret %0\n\trdinstret %1" : "=&r"(t0), "=&r"(t1));
	return t1 - t0;
}

int main(void)
{
	unsigned long min = ~0UL, sum = 0, base = ~0UL;

	for (int i = 0; i < 16; i++) {
		unsigned long e = empty();

		if (e < base)
			base = e;
	}
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long n = null_call() - base;

		sum += n;
		if (n < min)
			min = n;
	}
	printf("bench: goal null_syscall figure=%lu limit=%d unit=instret %s mean=%lu.%lu\n", min,
	       LIMIT, min <= LIMIT ? "met" : "missed", sum / ROUNDS, sum * 10 / ROUNDS % 10);
	return 0;
}
