# Reproducers of bugs the fuzz targets (tests/fuzz/) found in mm/ and lib/, one
# test each, so a regression fails `make unit` even without clang or libFuzzer.
UNIT_TESTS += fuzz_regress
UNIT_SRCS_fuzz_regress := tests/unit/test_fuzz_regress.c mm/bitmap_buddy.c mm/bitmap_buddy_tree.c \
	mm/bitmap_buddy_validate.c mm/buddy.c mm/kmalloc.c mm/kmalloc_grow.c mm/kmalloc_report.c mm/kmalloc_debug.c lib/errno.c
