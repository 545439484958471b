UNIT_TESTS += errno
UNIT_SRCS_errno := tests/unit/test_errno.c lib/errno.c
