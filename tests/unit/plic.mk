UNIT_TESTS += plic
UNIT_SRCS_plic := tests/unit/test_plic.c drivers/irq/plic.c lib/errno.c
