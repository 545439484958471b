# The slab allocator and the page-unit buddy under it: classes and lists (test_slab.c), pages and
# the page map (test_slab_pages.c), refusals and the validator (test_slab_errors.c).
SLAB_SRCS := mm/slab.c mm/slab_cache.c mm/slab_validate.c mm/buddy.c
SLAB_UNIT_TESTS := slab slab_pages slab_errors
UNIT_SRCS_slab := tests/unit/test_slab.c $(SLAB_SRCS) lib/errno.c
UNIT_SRCS_slab_pages := tests/unit/test_slab_pages.c $(SLAB_SRCS) lib/errno.c
UNIT_SRCS_slab_errors := tests/unit/test_slab_errors.c $(SLAB_SRCS) lib/errno.c

# Each again with CONFIG_ALLOC_DEBUG: the per-slab live bitmap decides double frees.
UNIT_TESTS += $(SLAB_UNIT_TESTS) $(addsuffix _debug,$(SLAB_UNIT_TESTS))
$(foreach t,$(SLAB_UNIT_TESTS),\
  $(eval UNIT_SRCS_$(t)_debug := $(UNIT_SRCS_$(t)))\
  $(eval UNIT_CFLAGS_$(t)_debug := -DCONFIG_ALLOC_DEBUG=1))

BYTE_ALLOCS += slab
BYTE_ALLOC_SRCS_slab := $(SLAB_SRCS)
