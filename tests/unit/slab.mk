# The slab allocator and the page-unit buddy under it.
UNIT_TESTS += slab
UNIT_SRCS_slab := tests/unit/test_slab.c mm/slab.c mm/slab_cache.c mm/slab_validate.c mm/buddy.c lib/errno.c

BYTE_ALLOCS += slab
BYTE_ALLOC_SRCS_slab := mm/slab.c mm/slab_cache.c mm/slab_validate.c mm/buddy.c

# The same tests with CONFIG_ALLOC_DEBUG: the per-slab live bitmap decides double frees.
UNIT_TESTS += slab_debug
UNIT_SRCS_slab_debug := $(UNIT_SRCS_slab)
UNIT_CFLAGS_slab_debug := -DCONFIG_ALLOC_DEBUG=1
