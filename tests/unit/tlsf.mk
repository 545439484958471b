# TLSF: its own tests with the default 32 second-level lists and with 4, and the
# shared byte-allocator conformance suite.
UNIT_TESTS += tlsf tlsf_sl2
UNIT_SRCS_tlsf := tests/unit/test_tlsf.c mm/tlsf.c lib/errno.c
UNIT_SRCS_tlsf_sl2 := tests/unit/test_tlsf.c mm/tlsf.c lib/errno.c
UNIT_CFLAGS_tlsf_sl2 := -DCONFIG_TLSF_SL_LOG2=2

BYTE_ALLOCS += tlsf
BYTE_ALLOC_SRCS_tlsf := mm/tlsf.c
