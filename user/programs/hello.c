// SPDX-License-Identifier: MIT
/* Greets and echoes its arguments: the smallest useful user program. */
#include <user.h>

int main(int argc, char **argv)
{
	printf("hello from user mode (task %ld)", sys_task_id());
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return 0;
}
