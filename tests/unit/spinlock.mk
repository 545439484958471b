# The ticket spinlock (include/bora/spinlock.h) with host threads as harts.
UNIT_TESTS += spinlock
UNIT_SRCS_spinlock := tests/unit/test_spinlock.c
UNIT_CFLAGS_spinlock := -pthread
