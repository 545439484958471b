# The slab allocator and the page-unit buddy under it.
BYTE_ALLOCS += slab
BYTE_ALLOC_SRCS_slab := mm/slab.c mm/buddy.c
