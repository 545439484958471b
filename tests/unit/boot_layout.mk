UNIT_TESTS += boot_layout
UNIT_SRCS_boot_layout := tests/unit/test_boot_layout.c arch/riscv/layout/boot_layout.c
UNIT_CFLAGS_boot_layout := -Iarch/riscv/layout
