// SPDX-License-Identifier: MIT
/*
 * Instructions per switch between two tasks' threads: this task spawns a
 * copy of itself ("partner") and both yield in a loop, so every yield is a
 * system call plus a switch into the other address space. rdinstret around
 * one yield covers two of those (there and back); the figure is half of the
 * smallest round trip, under QEMU -icount. Prints
 *   bench: figure task_switch_<label> value=<n> unit=instret
 */
#include <user.h>

#define ROUNDS 200

int main(int argc, char **argv)
{
	const char *const partner[] = {"bench_switch", "partner"};
	unsigned long min = ~0UL;
	int status;
	long child;

	if (argc > 1 && strcmp(argv[1], "partner") == 0) {
		for (int i = 0; i < ROUNDS + 20; i++)
			sys_yield();
		return 0;
	}
	child = sys_spawn("bench_switch", partner, 2);
	if (child < 0)
		return 1;
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long t0, t1;

		__asm__ volatile("rdinstret %0" : "=r"(t0));
		sys_yield();
		__asm__ volatile("rdinstret %0" : "=r"(t1));
		if (t1 - t0 < min)
			min = t1 - t0;
	}
	sys_wait(child, &status);
	printf("bench: figure task_switch_%s value=%lu unit=instret\n", argc > 1 ? argv[1] : "",
	       min / 2);
	return status;
}
