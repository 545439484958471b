// SPDX-License-Identifier: MIT
/* Yields forever: something for `kill` and the switch benchmark to work on. */
#include <user.h>

int main(void)
{
	for (;;)
		sys_yield();
}
