// SPDX-License-Identifier: MIT
/* The shell's word splitter and number parser (subsys/shell/shell_parse.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <bora/errno.h>
#include <bora/shell.h>

static void split_words_at_blanks(void **state)
{
	char line[] = "  alloc\t4096   64  ";
	char *argv[4];

	(void)state;
	assert_int_equal(shell_split(line, argv, 4), 3);
	assert_string_equal(argv[0], "alloc");
	assert_string_equal(argv[1], "4096");
	assert_string_equal(argv[2], "64");
}

static void split_empty_and_blank_lines(void **state)
{
	char empty[] = "", blank[] = " \t \t";
	char *argv[2];

	(void)state;
	assert_int_equal(shell_split(empty, argv, 2), 0);
	assert_int_equal(shell_split(blank, argv, 2), 0);
}

static void split_refuses_too_many_words(void **state)
{
	char line[] = "a b c d";
	char exact[] = "a b c";
	char *argv[3];

	(void)state;
	assert_int_equal(shell_split(line, argv, 3), -ERANGE);
	assert_string_equal(argv[2], "c");
	assert_int_equal(shell_split(exact, argv, 3), 3);
	assert_string_equal(argv[2], "c");
}

struct number_case {
	const char *text;
	int err;
	uint64_t value;
};

static const struct number_case number_cases[] = {
    {"0", 0, 0},
    {"4096", 0, 4096},
    {"007", 0, 7},
    {"0x1f", 0, 31},
    {"0XaBc", 0, 0xabc},
    {"4k", 0, 4096},
    {"4K", 0, 4096},
    {"3m", 0, 3ULL << 20},
    {"2G", 0, 2ULL << 30},
    {"18446744073709551615", 0, UINT64_MAX},
    {"0xffffffffffffffff", 0, UINT64_MAX},
    {"17179869183G", 0, 17179869183ULL << 30},
    {"18446744073709551616", -ERANGE, 0},
    {"0x10000000000000000", -ERANGE, 0},
    {"17179869184G", -ERANGE, 0},
    {"", -EINVAL, 0},
    {"0x", -EINVAL, 0},
    {"k", -EINVAL, 0},
    {"-1", -EINVAL, 0},
    {"+1", -EINVAL, 0},
    {"12a", -EINVAL, 0},
    {"4kk", -EINVAL, 0},
    {"4kb", -EINVAL, 0},
    {"0x1k", -EINVAL, 0},
    {"0xg", -EINVAL, 0},
    {" 1", -EINVAL, 0},
    {"1 ", -EINVAL, 0},
    {"4T", -EINVAL, 0},
};

static void numbers_parse_or_fail_with_the_right_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(number_cases) / sizeof(number_cases[0]); i++) {
		const struct number_case *c = &number_cases[i];
		uint64_t v = 12345;
		int err = shell_parse_u64(c->text, &v);

		if (err != c->err)
			fail_msg("\"%s\": got %d, want %d", c->text, err, c->err);
		if (err == 0 && v != c->value)
			fail_msg("\"%s\": got %llu, want %llu", c->text, (unsigned long long)v,
			         (unsigned long long)c->value);
		if (err != 0 && v != 12345)
			fail_msg("\"%s\": output written on failure", c->text);
	}
}

static void parse_rejects_null_arguments(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(shell_parse_u64(NULL, &v), -EINVAL);
	assert_int_equal(shell_parse_u64("1", NULL), -EINVAL);
}

static void errors_have_names(void **state)
{
	(void)state;
	assert_non_null(strstr(shell_parse_error(-EINVAL), "not a number"));
	assert_string_equal(shell_parse_error(-ERANGE), "out of range");
	assert_string_equal(shell_parse_error(0), "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(split_words_at_blanks),
	    cmocka_unit_test(split_empty_and_blank_lines),
	    cmocka_unit_test(split_refuses_too_many_words),
	    cmocka_unit_test(numbers_parse_or_fail_with_the_right_error),
	    cmocka_unit_test(parse_rejects_null_arguments),
	    cmocka_unit_test(errors_have_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
