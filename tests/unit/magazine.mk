# Per-hart magazines (mm/magazine.c) over a fake backend; host threads are the harts.
UNIT_TESTS += magazine
UNIT_SRCS_magazine := tests/unit/test_magazine.c mm/magazine.c lib/errno.c
UNIT_CFLAGS_magazine := -pthread -DCONFIG_MAX_HARTS=4
