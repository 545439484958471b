// SPDX-License-Identifier: MIT
/* Jumps into its writable data: the page has no X, an instruction page fault. */
#include <user.h>

static uint32_t code[4] = {0x00008067}; /* jalr x0, 0(ra): "ret", if it were executable */

int main(void)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)code;

	printf("fault_exec_data: calling %p\n", (void *)code);
	fn();
	return 0;
}
