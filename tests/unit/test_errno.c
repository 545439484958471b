// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bora/errno.h>

static void names_are_distinct_and_sign_blind(void **state)
{
	(void)state;
	assert_string_equal(errno_name(-ENOMEM), "ENOMEM");
	assert_string_equal(errno_name(ENOMEM), "ENOMEM");
	assert_string_equal(errno_name(-EOVERLAP), "EOVERLAP");
	assert_string_equal(errno_name(-ENOTALLOC), "ENOTALLOC");
	assert_string_equal(errno_name(-ECORRUPT), "ECORRUPT");
	assert_string_equal(errno_name(-EINVAL), "EINVAL");
	assert_string_equal(errno_name(-ETIMEDOUT), "ETIMEDOUT");
	assert_string_equal(errno_name(-EAGAIN), "EAGAIN");
	assert_string_equal(errno_name(-ECANCELED), "ECANCELED");
	assert_string_equal(errno_name(-EIRQCTX), "EIRQCTX");
	assert_string_equal(errno_name(-EPERM), "EPERM");
	assert_string_equal(errno_name(-EDEADLK), "EDEADLK");
	assert_string_equal(errno_name(-EOVERFLOW), "EOVERFLOW");
	assert_string_equal(errno_name(0), "OK");
	assert_string_equal(errno_name(-9999), "E?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_are_distinct_and_sign_blind),
	};
	return cmocka_run_group_tests_name("errno", tests, NULL, NULL);
}
