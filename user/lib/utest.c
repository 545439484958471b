// SPDX-License-Identifier: MIT
#include <user.h>
#include <utest.h>

const char *utest_program = "utest";
static int passed, failed;

void utest_check(int ok, const char *what, long got, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("%s: FAIL line %d: %s (got %ld %s)\n", utest_program, line, what, got,
	       err_name(got));
}

int utest_summary(void)
{
	printf("%s: %d passed, %d failed\n", utest_program, passed, failed);
	return failed;
}
