UNIT_TESTS += sv39
UNIT_SRCS_sv39 := tests/unit/test_sv39.c mm/sv39.c mm/sv39_walk.c lib/errno.c

UNIT_TESTS += sv39_model
UNIT_SRCS_sv39_model := tests/unit/test_sv39_model.c mm/sv39.c mm/sv39_walk.c lib/errno.c
