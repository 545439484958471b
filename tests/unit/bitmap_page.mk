UNIT_TESTS += bitmap_page
UNIT_SRCS_bitmap_page := tests/unit/test_bitmap_page.c mm/bitmap_page.c lib/errno.c
