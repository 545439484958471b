// SPDX-License-Identifier: MIT
/* Writes the kernel's image: a store page fault. */
#include <user.h>

int main(void)
{
	volatile uint64_t *kernel = (volatile uint64_t *)0xffffffc080200000UL;

	printf("fault_kernel_write: writing %p\n", (void *)kernel);
	*kernel = 0;
	return 0;
}
