# The buddy allocator, built once per minimum unit (8, 16, 32 bytes).
BUDDY_MIN_ORDERS := 3 4 5
UNIT_TESTS += $(addprefix buddy_min,$(BUDDY_MIN_ORDERS))
$(foreach o,$(BUDDY_MIN_ORDERS),\
  $(eval UNIT_SRCS_buddy_min$(o) := tests/unit/test_buddy.c mm/buddy.c lib/errno.c)\
  $(eval UNIT_CFLAGS_buddy_min$(o) := -DCONFIG_BUDDY_MIN_ORDER=$(o)))

BYTE_ALLOCS += buddy
BYTE_ALLOC_SRCS_buddy := mm/buddy.c
