UNIT_TESTS += aspace
UNIT_SRCS_aspace := tests/unit/test_aspace.c mm/aspace.c mm/sv39.c mm/sv39_walk.c lib/errno.c

UNIT_TESTS += asid
UNIT_SRCS_asid := tests/unit/test_asid.c mm/asid.c mm/id_alloc.c lib/errno.c

UNIT_TESTS += uaccess
UNIT_SRCS_uaccess := tests/unit/test_uaccess.c
