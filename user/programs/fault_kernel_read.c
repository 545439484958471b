// SPDX-License-Identifier: MIT
/* Reads the kernel's image: a U-mode load from a page without U is a load page fault. */
#include <user.h>

int main(void)
{
	volatile uint64_t *kernel = (volatile uint64_t *)0xffffffc080200000UL;

	printf("fault_kernel_read: reading %p\n", (void *)kernel);
	return (int)*kernel;
}
