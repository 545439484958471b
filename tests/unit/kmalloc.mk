# kmalloc's suite, once per byte allocator present in mm/ (the allocator is
# picked with -DKHEAP_TEST_OPS), and again with CONFIG_ALLOC_DEBUG (kmalloc_<a>_debug:
# the allocator's debug-only checks; kmalloc's own debug mode is a runtime flag both
# builds test). Sources come from the allocator's own BYTE_ALLOC_SRCS_<name> when it
# registers one (recursively expanded, so fragments included after this one count),
# else mm/<name>.c.
KMALLOC_ALLOCS := $(filter tlsf buddy bitmap_buddy slab,$(basename $(notdir $(wildcard mm/*.c))))
KMALLOC_SRCS := tests/unit/test_kmalloc.c mm/kmalloc.c mm/kmalloc_grow.c mm/kmalloc_report.c mm/kmalloc_debug.c mm/bitmap_page.c lib/errno.c
UNIT_TESTS += $(addprefix kmalloc_,$(KMALLOC_ALLOCS)) \
	$(addsuffix _debug,$(addprefix kmalloc_,$(KMALLOC_ALLOCS)))
$(foreach a,$(KMALLOC_ALLOCS),\
  $(eval UNIT_SRCS_kmalloc_$(a) = $(KMALLOC_SRCS) $$(or $$(BYTE_ALLOC_SRCS_$(a)),mm/$(a).c))\
  $(eval UNIT_CFLAGS_kmalloc_$(a) := -DKHEAP_TEST_OPS=$(a)_byte_ops -pthread)\
  $(eval UNIT_SRCS_kmalloc_$(a)_debug = $$(UNIT_SRCS_kmalloc_$(a)))\
  $(eval UNIT_CFLAGS_kmalloc_$(a)_debug := -DKHEAP_TEST_OPS=$(a)_byte_ops -pthread \
    -DCONFIG_ALLOC_DEBUG=1))
