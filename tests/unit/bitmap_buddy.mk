UNIT_TESTS += bitmap_buddy
UNIT_SRCS_bitmap_buddy := tests/unit/test_bitmap_buddy.c mm/bitmap_buddy.c mm/bitmap_buddy_tree.c \
	mm/bitmap_buddy_validate.c lib/errno.c
BYTE_ALLOCS += bitmap_buddy
BYTE_ALLOC_SRCS_bitmap_buddy := mm/bitmap_buddy.c mm/bitmap_buddy_tree.c \
	mm/bitmap_buddy_validate.c
