# Kernel shell: the command-line parser and the line editor, built for the host unchanged.
UNIT_TESTS += shell_parse shell_edit
UNIT_SRCS_shell_parse := tests/unit/test_shell_parse.c subsys/shell/shell_parse.c
UNIT_SRCS_shell_edit := tests/unit/test_shell_edit.c subsys/shell/shell_edit.c
# A small line and history so the tests reach both limits.
UNIT_CFLAGS_shell_edit := -DCONFIG_SHELL_LINE_MAX=16 -DCONFIG_SHELL_HISTORY=3
