UNIT_TESTS += timeout
# test_timeout.c includes kernel/timeout.c to check the tree's invariants directly.
UNIT_SRCS_timeout := tests/unit/test_timeout.c
$(UNIT_OUT)/timeout: kernel/timeout.c
