UNIT_TESTS += id_alloc
UNIT_SRCS_id_alloc := tests/unit/test_id_alloc.c mm/id_alloc.c lib/errno.c
