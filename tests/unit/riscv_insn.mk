UNIT_TESTS += riscv_insn bitops
UNIT_SRCS_riscv_insn := tests/unit/test_riscv_insn.c lib/riscv_insn.c
UNIT_SRCS_bitops := tests/unit/test_bitops.c
