# kmalloc's suite, once per byte allocator present in mm/ (the allocator is
# picked with -DKHEAP_TEST_OPS). Sources come from the allocator's own
# BYTE_ALLOC_SRCS_<name> when it registers one (recursively expanded, so
# fragments included after this one count), else mm/<name>.c.
KMALLOC_ALLOCS := $(filter tlsf buddy bitmap_buddy slab,$(basename $(notdir $(wildcard mm/*.c))))
UNIT_TESTS += $(addprefix kmalloc_,$(KMALLOC_ALLOCS))
$(foreach a,$(KMALLOC_ALLOCS),\
  $(eval UNIT_SRCS_kmalloc_$(a) = tests/unit/test_kmalloc.c mm/kmalloc.c mm/bitmap_page.c \
    lib/errno.c $$(or $$(BYTE_ALLOC_SRCS_$(a)),mm/$(a).c))\
  $(eval UNIT_CFLAGS_kmalloc_$(a) := -DKHEAP_TEST_OPS=$(a)_byte_ops -pthread))
