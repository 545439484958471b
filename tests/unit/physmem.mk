UNIT_TESTS += physmem
UNIT_SRCS_physmem := tests/unit/test_physmem.c mm/physmem.c lib/errno.c
