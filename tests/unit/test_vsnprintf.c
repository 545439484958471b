// SPDX-License-Identifier: MIT
/* kvsnprintf against the C library's snprintf on the formats the kernel uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <bora/printk.h>

#define SAME_AS_LIBC(...)                                                                          \
	do {                                                                                       \
		char ours[128], libc[128];                                                         \
		int a = ksnprintf(ours, sizeof(ours), __VA_ARGS__);                                \
		int b = snprintf(libc, sizeof(libc), __VA_ARGS__);                                 \
		assert_string_equal(ours, libc);                                                   \
		assert_int_equal(a, b);                                                            \
	} while (0)

static void integers_match_libc(void **state)
{
	static const long long values[] = {0,
	                                   1,
	                                   -1,
	                                   9,
	                                   10,
	                                   42,
	                                   -42,
	                                   255,
	                                   65535,
	                                   2147483647,
	                                   -2147483647 - 1,
	                                   4294967295LL,
	                                   9223372036854775807LL,
	                                   -9223372036854775807LL - 1};
	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		long long v = values[i];

		SAME_AS_LIBC("%d|%i|%u|%x|%X|%o", (int)v, (int)v, (unsigned)v, (unsigned)v,
		             (unsigned)v, (unsigned)v);
		SAME_AS_LIBC("%ld|%lu|%lx|%lld|%llx", (long)v, (unsigned long)v, (unsigned long)v,
		             v, (unsigned long long)v);
		SAME_AS_LIBC("%zu|%zx|%hd|%hhu", (size_t)v, (size_t)v, (short)v, (unsigned char)v);
		SAME_AS_LIBC("[%8d|%-8d|%08d|%+d|% d|%.3d|%8.3d|%-+6d]", (int)v, (int)v, (int)v,
		             (int)v, (int)v, (int)v, (int)v, (int)v);
		SAME_AS_LIBC("[%#x|%#o|%#010x|%016lx|%*d|%-*d|%.*d]", (unsigned)v, (unsigned)v,
		             (unsigned)v, (unsigned long)v, 6, (int)v, 6, (int)v, 4, (int)v);
	}
	SAME_AS_LIBC("%.0d|%.0x|%5.0d|", 0, 0u, 0);
}

static void strings_and_chars_match_libc(void **state)
{
	(void)state;
	SAME_AS_LIBC("%s|%10s|%-10s|%.2s|%c|%3c|%-3c|%%", "bora", "bora", "bora", "bora", 'x', 'y',
	             'z');
	SAME_AS_LIBC("%s", "");
	SAME_AS_LIBC("no conversions at all");
}

static void pointer_is_hex_with_prefix(void **state)
{
	char buf[32];

	(void)state;
	ksnprintf(buf, sizeof(buf), "%p", (void *)0xffffffc080200000UL);
	assert_string_equal(buf, "0xffffffc080200000");
	ksnprintf(buf, sizeof(buf), "%p", (void *)0);
	assert_string_equal(buf, "0x0");
}

static void truncates_and_terminates(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 5, "%s", "abcdefgh"), 8);
	assert_string_equal(buf, "abcd");
	assert_int_equal(buf[5], 'Q');
	assert_int_equal(ksnprintf(NULL, 0, "%d", 12345), 5);
	assert_int_equal(ksnprintf(buf, 1, "%d", 7), 1);
	assert_string_equal(buf, "");
}

#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void unknown_conversion_is_shown(void **state)
{
	char buf[16];

	(void)state;
	ksnprintf(buf, sizeof(buf), "a%yb");
	assert_string_equal(buf, "a%yb");
	ksnprintf(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(integers_match_libc),
	    cmocka_unit_test(strings_and_chars_match_libc),
	    cmocka_unit_test(pointer_is_hex_with_prefix),
	    cmocka_unit_test(truncates_and_terminates),
	    cmocka_unit_test(unknown_conversion_is_shown),
	};
	return cmocka_run_group_tests_name("vsnprintf", tests, NULL, NULL);
}
