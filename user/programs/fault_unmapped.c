// SPDX-License-Identifier: MIT
/* Loads from a user address nothing maps: a load page fault. */
#include <user.h>

int main(void)
{
	volatile uint64_t *nowhere = (volatile uint64_t *)0x20000000UL;

	printf("fault_unmapped: reading %p\n", (void *)nowhere);
	return (int)*nowhere;
}
