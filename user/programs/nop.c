// SPDX-License-Identifier: MIT
/* Exits at once with its argument count minus one: the cheapest task, for loops and tests. */
int main(int argc, char **argv)
{
	(void)argv;
	return argc - 1;
}
