# The slab allocator and the page-unit buddy under it.
UNIT_TESTS += slab
UNIT_SRCS_slab := tests/unit/test_slab.c mm/slab.c mm/buddy.c lib/errno.c

BYTE_ALLOCS += slab
BYTE_ALLOC_SRCS_slab := mm/slab.c mm/buddy.c
