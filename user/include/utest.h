/* SPDX-License-Identifier: MIT */
/*
 * Checks for the user-mode test programs (user/lib/utest.c): each failed check
 * prints one line naming the program, the source line, the expression and the
 * value it got; utest_summary prints "<program>: <passed> passed, <failed>
 * failed", the line tests/system reads, and returns the failures.
 */
#ifndef UTEST_H
#define UTEST_H

void utest_check(int ok, const char *what, long got, int line);
int utest_summary(void);

/* The program's name in every line it prints: set once, first thing in main. */
extern const char *utest_program;

#define EXPECT(call, want)                                                                         \
	do {                                                                                       \
		long got__ = (long)(call);                                                         \
		utest_check(got__ == (long)(want), #call " == " #want, got__, __LINE__);           \
	} while (0)
#define EXPECT_TRUE(cond, got) utest_check(!!(cond), #cond, (long)(got), __LINE__)

#endif
