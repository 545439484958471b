# TLSF: its own tests with the default 32 second-level lists and with 4, and the
# shared byte-allocator conformance suite; each also with CONFIG_ALLOC_DEBUG (the
# region walk on every free), so both builds stay correct.
TLSF_SRCS := mm/tlsf.c mm/tlsf_validate.c
UNIT_TESTS += tlsf tlsf_sl2 tlsf_debug
UNIT_SRCS_tlsf := tests/unit/test_tlsf.c $(TLSF_SRCS) lib/errno.c
UNIT_SRCS_tlsf_sl2 := tests/unit/test_tlsf.c $(TLSF_SRCS) lib/errno.c
UNIT_CFLAGS_tlsf_sl2 := -DCONFIG_TLSF_SL_LOG2=2
UNIT_SRCS_tlsf_debug := tests/unit/test_tlsf.c $(TLSF_SRCS) lib/errno.c
UNIT_CFLAGS_tlsf_debug := -DCONFIG_ALLOC_DEBUG=1

BYTE_ALLOCS += tlsf
BYTE_ALLOC_SRCS_tlsf := $(TLSF_SRCS)
