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

# ---- debugging -----------------------------------------------------------------------------------

.PHONY: gdb
gdb: $(ELF)
	$(Q)$(CHECK_TOOLS_SH) gdb-multiarch
	$(Q)GDB_PORT=$(GDB_PORT) gdb-multiarch -q -x scripts/gdbinit $(ELF)

# ---- compile_commands.json for clangd --------------------------------------------------------------
# The kernel's sources with the exact flags the build uses, plus the host unit tests' own
# sources with theirs. Written to $(O)/compile_commands.json (clangd finds it in the source
# root for O=., otherwise point --compile-commands-dir at $(O)).

COMPILE_DB := $(O)/compile_commands.json
UNIT_ONLY_SRCS = $(sort $(filter-out $(KSRCS),$(foreach t,$(UNIT_TESTS),$(UNIT_SRCS_$(t)))))

.PHONY: compile_commands.json
compile_commands.json: $(AUTOCONF_H) $(CONFIG_TABLE_C)
	$(call msg,GEN,$(COMPILE_DB))
	$(file >$(COMPILE_DB).in,)
	$(foreach s,$(KSRCS),$(file >>$(COMPILE_DB).in,$(s)	$(KOBJ)/$(basename $(s)).o	$(CC) $(KCFLAGS) $(if $(filter %.S,$(s)),-D__ASSEMBLER__)))
	$(file >>$(COMPILE_DB).in,$(CONFIG_TABLE_C)	$(CONFIG_TABLE_O)	$(CC) $(KCFLAGS))
	$(file >>$(COMPILE_DB).in,$(GEN)/boot_pt.S	$(KOBJ)/gen/boot_pt.o	$(CC) $(KCFLAGS) -D__ASSEMBLER__)
	$(foreach t,$(UNIT_TESTS),$(foreach s,$(filter $(UNIT_ONLY_SRCS),$(UNIT_SRCS_$(t))),\
		$(file >>$(COMPILE_DB).in,$(s)	$(UNIT_OUT)/obj/$(t)/$(notdir $(basename $(s))).o	$(HOSTCC) $(HOST_CFLAGS) $(UNIT_CFLAGS_$(t)))))
	$(Q)$(PYTHON) scripts/compile_db.py $(CURDIR) $(COMPILE_DB).in $(COMPILE_DB)
	$(Q)rm -f $(COMPILE_DB).in
