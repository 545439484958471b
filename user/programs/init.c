// SPDX-License-Identifier: MIT
/*
 * The first user task: started by the kernel at boot, it spawns `hello`,
 * reports its exit status and stays around as the parent of what the shell
 * does not start.
 */
#include <user.h>

int main(int argc, char **argv)
{
	const char *const args[] = {"hello", "from", "init"};
	int status = -1;
	long child;

	(void)argc;
	(void)argv;
	printf("init: running in user mode as task %ld\n", sys_task_id());
	child = sys_spawn("hello", args, 3);
	if (child < 0) {
		printf("init: spawn hello: %s\n", err_name(child));
		return 1;
	}
	if (sys_wait(child, &status) < 0 || status != 0) {
		printf("init: hello ended with status %d\n", status);
		return 1;
	}
	printf("init: hello exited with status 0\n");
	return 0;
}
