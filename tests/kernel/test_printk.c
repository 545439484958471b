// SPDX-License-Identifier: MIT
/* printk's formatter as built for the kernel (the host test covers it against glibc). */
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/string.h>

#define EXPECT_FMT(want, ...)                                                                      \
	do {                                                                                       \
		char buf__[64];                                                                    \
		int n__ = ksnprintf(buf__, sizeof(buf__), __VA_ARGS__);                            \
		KTEST_ASSERT(strcmp(buf__, want) == 0);                                            \
		KTEST_ASSERT_EQ(n__, strlen(want));                                                \
	} while (0)

KTEST(printk, integers)
{
	EXPECT_FMT("-42 42 4294967254", "%d %u %u", -42, 42u, (unsigned)-42);
	EXPECT_FMT("ff FF 0xff", "%x %X %#x", 255u, 255u, 255u);
	EXPECT_FMT("ffffffc080200000", "%lx", 0xffffffc080200000UL);
	EXPECT_FMT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
	EXPECT_FMT("18446744073709551615", "%lu", ~0UL);
}

KTEST(printk, width_and_padding)
{
	EXPECT_FMT("[   42]", "[%5d]", 42);
	EXPECT_FMT("[42   ]", "[%-5d]", 42);
	EXPECT_FMT("[00042]", "[%05d]", 42);
	EXPECT_FMT("[-0042]", "[%05d]", -42);
	EXPECT_FMT("[0000beef]", "[%08x]", 0xbeefu);
	EXPECT_FMT("[  ab]", "[%4s]", "ab");
	EXPECT_FMT("[ab  ]", "[%-4s]", "ab");
}

KTEST(printk, strings_chars_pointers_percent)
{
	EXPECT_FMT("hi x 100%", "%s %c 100%%", "hi", 'x');
	const char *volatile null_string = NULL;

	EXPECT_FMT("(null)", "%s", null_string);
	EXPECT_FMT("0x1000", "%p", (void *)0x1000);
	EXPECT_FMT("abc", "%.3s", "abcdef");
}

KTEST(printk, truncation_reports_full_length)
{
	char buf[4];
	int n = ksnprintf(buf, sizeof(buf), "%d", 123456);

	KTEST_ASSERT_EQ(n, 6);
	KTEST_ASSERT(strcmp(buf, "123") == 0);
}
