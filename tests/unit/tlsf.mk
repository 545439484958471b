UNIT_TESTS += tlsf
UNIT_SRCS_tlsf := tests/unit/test_tlsf.c mm/tlsf.c lib/errno.c

BYTE_ALLOCS += tlsf
BYTE_ALLOC_SRCS_tlsf := mm/tlsf.c
