// SPDX-License-Identifier: MIT
/*
 * An AMO on an address that is not naturally aligned: store/AMO address
 * misaligned (AMOs are never split, unprivileged spec 8.4 "A" extension).
 */
#include <user.h>

static uint64_t words[2];

int main(void)
{
	volatile uint32_t *odd = (volatile uint32_t *)((uintptr_t)words + 2);
	uint32_t old;

	printf("fault_misaligned_atomic: amoadd.w at %p\n", (void *)odd);
	__asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(odd), "r"(1) : "memory");
	return (int)old;
}
