// SPDX-License-Identifier: MIT
/* lib/cmdline.c: word lookup in the kernel command line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <bora/cmdline.h>
#include <bora/errno.h>

static int find(const char *line, const char *key, char *out)
{
	const char *val = NULL;
	size_t vlen = 99;
	int r = cmdline_find(line, strlen(line), key, &val, &vlen);

	if (r == 0) {
		assert_true(val >= line && val + vlen <= line + strlen(line));
		memcpy(out, val, vlen);
		out[vlen] = '\0';
	} else {
		assert_null(val);
		assert_int_equal(vlen, 99);
	}
	return r;
}

static void finds_values_and_bare_keys(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(find("ktest.crash=load quiet", "ktest.crash", v), 0);
	assert_string_equal(v, "load");
	assert_int_equal(find("ktest.crash=load quiet", "quiet", v), 0);
	assert_string_equal(v, "");
	assert_int_equal(find("  \tconsole=ttyS0\n ", "console", v), 0);
	assert_string_equal(v, "ttyS0");
	/* An empty value and a value holding '=' are both values. */
	assert_int_equal(find("a= b=c=d", "a", v), 0);
	assert_string_equal(v, "");
	assert_int_equal(find("a= b=c=d", "b", v), 0);
	assert_string_equal(v, "c=d");
}

static void the_last_word_wins(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(find("mode=a mode=b", "mode", v), 0);
	assert_string_equal(v, "b");
	assert_int_equal(find("mode=a mode", "mode", v), 0);
	assert_string_equal(v, "");
	assert_int_equal(find("mode mode=a", "mode", v), 0);
	assert_string_equal(v, "a");
}

static void a_key_matches_whole_words_only(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(find("ktest.crashes=3 xktest.crash=1", "ktest.crash", v), -ENOENT);
	assert_int_equal(find("ktest", "ktest.crash", v), -ENOENT);
	assert_int_equal(find("ktest.crash", "ktest", v), -ENOENT);
	assert_int_equal(find("", "a", v), -ENOENT);
	assert_int_equal(find("   ", "a", v), -ENOENT);
}

static void the_length_and_a_nul_end_the_line(void **state)
{
	static const char line[] = "a=1 b=2\0c=3";
	const char *val;
	size_t vlen;

	(void)state;
	assert_int_equal(cmdline_find(line, sizeof(line), "c", &val, &vlen), -ENOENT);
	assert_int_equal(cmdline_find(line, 3, "a", &val, &vlen), 0);
	assert_int_equal(vlen, 1);
	assert_int_equal(cmdline_find(line, 2, "a", &val, &vlen), 0);
	assert_int_equal(vlen, 0); /* "a=" */
	assert_int_equal(cmdline_find(line, 1, "a", &val, &vlen), 0);
	assert_int_equal(vlen, 0); /* "a" */
	assert_int_equal(cmdline_find(line, 0, "a", &val, &vlen), -ENOENT);
	assert_int_equal(cmdline_find(line, 7, "b", &val, &vlen), 0);
	assert_int_equal(vlen, 1);
	assert_int_equal(cmdline_find(line, 6, "b", &val, &vlen), 0);
	assert_int_equal(vlen, 0); /* "b=" */
	assert_int_equal(cmdline_find(line, 4, "b", &val, &vlen), -ENOENT);
}

static void bad_arguments_are_refused(void **state)
{
	const char *val;
	size_t vlen;

	(void)state;
	assert_int_equal(cmdline_find(NULL, 3, "a", &val, &vlen), -EINVAL);
	assert_int_equal(cmdline_find("a=1", 3, NULL, &val, &vlen), -EINVAL);
	assert_int_equal(cmdline_find("a=1", 3, "a", NULL, &vlen), -EINVAL);
	assert_int_equal(cmdline_find("a=1", 3, "a", &val, NULL), -EINVAL);
	assert_int_equal(cmdline_find("a=1", 3, "", &val, &vlen), -EINVAL);
	assert_int_equal(cmdline_find("a=1", 3, "a=", &val, &vlen), -EINVAL);
	assert_int_equal(cmdline_find("a b", 3, "a b", &val, &vlen), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(finds_values_and_bare_keys),
	    cmocka_unit_test(the_last_word_wins),
	    cmocka_unit_test(a_key_matches_whole_words_only),
	    cmocka_unit_test(the_length_and_a_nul_end_the_line),
	    cmocka_unit_test(bad_arguments_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
