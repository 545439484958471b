UNIT_TESTS += sv39
UNIT_SRCS_sv39 := tests/unit/test_sv39.c mm/sv39.c mm/sv39_walk.c lib/errno.c
