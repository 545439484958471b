// SPDX-License-Identifier: MIT
/* Reads a supervisor CSR from U-mode: an illegal instruction. */
#include <user.h>

int main(void)
{
	unsigned long v;

	printf("fault_illegal: reading sstatus\n");
	__asm__ volatile("csrr %0, sstatus" : "=r"(v));
	return (int)v;
}
