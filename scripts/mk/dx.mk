# Developer-experience targets and the shell's generated configuration table.
#   make size                  footprint: sections and per-directory text/rodata/data/bss
#   make compile_commands.json the kernel's compile commands for clangd (no bear needed)
#   make debug                 (Makefile) QEMU -S -s; gdb-multiarch -x scripts/gdbinit

# ---- the `config` shell command's table, generated from the resolved configuration ----------------

CONFIG_TABLE_C := $(GEN)/config_table.c
CONFIG_TABLE_O := $(KOBJ)/gen/config_table.o

$(CONFIG_TABLE_C): $(AUTOCONF_H) scripts/gen_config_table.py
	@mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)$(PYTHON) scripts/gen_config_table.py $(AUTOCONF_H) $(AUTOCONF_MK) $@

$(CONFIG_TABLE_O): $(CONFIG_TABLE_C) $(AUTOCONF_H) | tools
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

# The ELF rule's prerequisites were expanded already; its recipe reads KOBJS late.
KOBJS += $(CONFIG_TABLE_O)
$(ELF): $(CONFIG_TABLE_O)
-include $(wildcard $(CONFIG_TABLE_O:.o=.d))
