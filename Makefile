# SPDX-License-Identifier: MIT
# Bora — the only build entry point. `make help` lists targets and defconfigs.

MAKEFLAGS += --no-builtin-rules --no-print-directory
.SUFFIXES:

O ?= .
override O := $(patsubst %/,%,$(O))
PYTHON ?= /usr/bin/python3
CROSS_COMPILE ?= riscv64-unknown-elf-
CC := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy
SIZE := $(CROSS_COMPILE)size
HOSTCC ?= gcc
QEMU ?= qemu-system-riscv64
OPENSBI ?= /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)'
endif

CONFIG := $(O)/.config
AUTOCONF_H := $(O)/include/generated/autoconf.h
AUTOCONF_MK := $(O)/include/config/auto.conf
BUILD := $(O)/build
KOBJ := $(BUILD)/kernel
GEN := $(BUILD)/gen
HOSTBIN := $(BUILD)/host
ELF := $(O)/bora.elf
BIN := $(O)/bora.bin
MAP := $(O)/bora.map
KCONFIG_FILES := Kconfig $(wildcard */Kconfig */Kconfig.* */*/Kconfig boards/*/Kconfig.*)
DEFCONFIGS := $(sort $(notdir $(wildcard defconfigs/*_defconfig)))

.DEFAULT_GOAL := all
empty :=
space := $(empty) $(empty)

# Goals that work without a .config; anything else reads the configuration.
NO_CONFIG_GOALS := %_defconfig help menuconfig guiconfig listnewconfig randconfig allnoconfig \
	allyesconfig alldefconfig clean distclean mrproper check check-quick unit unit-% \
	bench bench-% fuzz fuzz-% format install-deps
ifneq ($(filter-out $(NO_CONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
NEED_CONFIG := y
endif

ifeq ($(NEED_CONFIG),y)
ifeq ($(wildcard $(CONFIG)),)
$(error no configuration in $(CONFIG): run 'make <board>_defconfig' first (make help lists them))
endif
-include $(AUTOCONF_MK)
endif

# ---- tools --------------------------------------------------------------------------------------
# Every target checks the tools it needs before using one (scripts/check-tools.sh): a missing
# tool is installed on first use, saying so in one line, when make runs as root (through
# scripts/install-deps.sh; BORA_NO_INSTALL=1 stops that), and otherwise stops the build with the
# one `sudo apt-get install` line that would fix it. Nothing happens when all are present.

CHECK_TOOLS_SH := PYTHON=$(PYTHON) scripts/check-tools.sh
CONFIG_TOOLS = $(PYTHON) py:kconfiglib
BUILD_TOOLS = $(CC) $(OBJCOPY) $(HOSTCC)
RUN_TOOLS = $(QEMU) $(OPENSBI)
# make check: everything its tests use (pytest itself too, checked before python runs).
TEST_TOOLS = $(CONFIG_TOOLS) py:pytest py:xdist py:elftools $(BUILD_TOOLS) $(RUN_TOOLS) \
	gdb-multiarch dtc h:cmocka.h clang deb:libclang-rt-14-dev valgrind h:jemalloc/jemalloc.h \
	h:mimalloc.h
KCONFIG_PY = $(CHECK_TOOLS_SH) $(CONFIG_TOOLS) && $(PYTHON) scripts/kconfig.py

.PHONY: tools
tools:
	$(Q)$(CHECK_TOOLS_SH) $(BUILD_TOOLS)

# ---- configuration ------------------------------------------------------------------------------

$(AUTOCONF_MK): $(CONFIG) $(KCONFIG_FILES) scripts/kconfig.py
	$(call msg,KCONFIG,$(AUTOCONF_H))
	$(Q)$(KCONFIG_PY) genconfig --config $(CONFIG) --header $(AUTOCONF_H) \
		--makeconf $(AUTOCONF_MK)

# kconfig.py rewrites the header only when it changes, so a .config edit that does not
# change any value rebuilds nothing.
$(AUTOCONF_H): $(AUTOCONF_MK) ;

%_defconfig:
	$(Q)if [ ! -f defconfigs/$@ ]; then \
		echo "make: no defconfig '$@'; available: $(DEFCONFIGS)" >&2; exit 1; fi
	$(Q)mkdir -p $(O)
	$(Q)$(KCONFIG_PY) defconfig defconfigs/$@ $(KCONFIG_FRAGMENTS) --config $(CONFIG)

.PHONY: menuconfig olddefconfig savedefconfig
menuconfig:
	$(Q)mkdir -p $(O)
	$(Q)$(KCONFIG_PY) menuconfig --config $(CONFIG)

olddefconfig:
	$(Q)$(KCONFIG_PY) olddefconfig --config $(CONFIG)

savedefconfig:
	$(Q)$(KCONFIG_PY) savedefconfig --config $(CONFIG) --out $(O)/defconfig

# Linux's generated configurations. KCONFIG_SEED repeats a randconfig (its seed is printed);
# KCONFIG_ALLCONFIG names a fragment whose values each of them keeps. The result passes the
# same strict checks as a defconfig, or .config is left as it was.
GENERATED_CONFIGS := randconfig allnoconfig allyesconfig alldefconfig
.PHONY: $(GENERATED_CONFIGS) guiconfig listnewconfig
$(GENERATED_CONFIGS):
	$(Q)mkdir -p $(O)
	$(Q)$(KCONFIG_PY) $@ --config $(CONFIG) \
		$(if $(filter randconfig,$@),$(if $(KCONFIG_SEED),--seed $(KCONFIG_SEED))) \
		$(if $(KCONFIG_ALLCONFIG),--allconfig $(KCONFIG_ALLCONFIG))

guiconfig:
	$(Q)mkdir -p $(O)
	$(Q)$(CHECK_TOOLS_SH) py:tkinter
	$(Q)$(KCONFIG_PY) guiconfig --config $(CONFIG)

listnewconfig:
	$(Q)$(KCONFIG_PY) listnewconfig --config $(CONFIG)

# ---- layout generator (host tool) ---------------------------------------------------------------

GEN_LAYOUT := $(HOSTBIN)/gen_layout
HOST_TOOL_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror

$(GEN_LAYOUT): $(wildcard arch/riscv/layout/*.c arch/riscv/layout/*.h) | tools
	@mkdir -p $(@D)
	$(call msg,HOSTCC,$@)
	$(Q)$(HOSTCC) $(HOST_TOOL_CFLAGS) -o $@ $(filter %.c,$^)

LAYOUT_ARGS = ram_base=$(CONFIG_RAM_BASE) ram_size=$(CONFIG_RAM_SIZE) \
	firmware_size=$(CONFIG_FIRMWARE_SIZE) load_addr=$(CONFIG_KERNEL_LOAD_ADDR) \
	virt_offset=$(CONFIG_KERNEL_VIRT_OFFSET) heap_size=$(CONFIG_HEAP_SIZE) \
	stack_size=$(CONFIG_BOOT_STACK_SIZE) \
	$(if $(CONFIG_UART_BASE),uart_base=$(CONFIG_UART_BASE)) \
	finisher_base=$(CONFIG_FINISHER_BASE)

$(GEN)/linker.ld $(GEN)/boot_pt.S &: $(GEN_LAYOUT) $(AUTOCONF_MK)
	@mkdir -p $(GEN)
	$(call msg,GEN,$(GEN)/linker.ld $(GEN)/boot_pt.S)
	$(Q)$(GEN_LAYOUT) $(LAYOUT_ARGS) --linker $(GEN)/linker.ld --boot-pt $(GEN)/boot_pt.S

# ---- kernel ---------------------------------------------------------------------------------------

ARCH_FLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror $(ARCH_FLAGS) \
	-ffreestanding -nostdlib -fno-pic -fno-stack-protector -fno-omit-frame-pointer \
	-ffunction-sections -fdata-sections \
	-include $(AUTOCONF_H) -Iinclude -Iarch/riscv/include -I$(O)/include -MMD -MP
# The link names the plain ISA string so gcc picks libgcc's rv64imac/lp64 multilib.
KLDFLAGS := -march=rv64imac -mabi=lp64 -mcmodel=medany -nostdlib -static -Wl,--no-relax -Wl,--gc-sections \
	-Wl,-Map,$(MAP) -Wl,--build-id=none

KSRCS := $(wildcard arch/riscv/*.S arch/riscv/*.c) $(wildcard lib/*.c) $(wildcard mm/*.c) \
	$(wildcard kernel/*.c)
# Only the heap allocator the configuration chose (slab is built over the page buddy); the
# kernel benchmark compares them all, so it keeps every one.
HEAP_ALG_SRCS := mm/tlsf% mm/buddy% mm/bitmap_buddy% mm/slab%
HEAP_ALG_USED := $(if $(CONFIG_HEAP_ALLOC_TLSF),mm/tlsf%) $(if $(CONFIG_HEAP_ALLOC_BUDDY),mm/buddy%) \
	$(if $(CONFIG_HEAP_ALLOC_BITMAP_BUDDY),mm/bitmap_buddy%) $(if $(CONFIG_HEAP_ALLOC_SLAB),mm/slab% mm/buddy%)
KSRCS := $(filter-out $(if $(CONFIG_KTEST_BENCH),,$(filter-out $(HEAP_ALG_USED),$(HEAP_ALG_SRCS))),$(KSRCS))
# IPC (kernel/Kconfig.ipc): handles, endpoints, notifications only when configured.
KSRCS := $(filter-out $(if $(CONFIG_IPC),,kernel/handle.c kernel/ipc%.c kernel/syscall_ipc.c),$(KSRCS))
KSRCS += $(if $(CONFIG_SMP),$(wildcard kernel/smp/*.c))
KSRCS += $(if $(CONFIG_CONSOLE_NS16550A),drivers/console/ns16550a.c)
KSRCS += $(if $(CONFIG_CONSOLE_SBI),drivers/console/sbi.c)
KSRCS += $(if $(CONFIG_CONSOLE_SIFIVE_UART),drivers/console/sifive_uart.c)
KSRCS += $(wildcard drivers/irq/*.c drivers/timer/*.c)
KSRCS += $(if $(CONFIG_SHELL),$(wildcard subsys/shell/*.c))
KSRCS += $(if $(CONFIG_USERSPACE),$(wildcard kernel/user/*.c))
KSRCS += $(if $(CONFIG_KTEST),$(wildcard tests/kernel/*.c))
KOBJS := $(patsubst %,$(KOBJ)/%.o,$(basename $(KSRCS))) $(KOBJ)/gen/boot_pt.o

$(KOBJ)/%.o: %.c $(AUTOCONF_H) | tools
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

$(KOBJ)/%.o: %.S $(AUTOCONF_H) | tools
	@mkdir -p $(@D)
	$(call msg,AS,$<)
	$(Q)$(CC) $(KCFLAGS) -D__ASSEMBLER__ -c -o $@ $<

$(KOBJ)/gen/boot_pt.o: $(GEN)/boot_pt.S | tools
	@mkdir -p $(@D)
	$(call msg,AS,$<)
	$(Q)$(CC) $(KCFLAGS) -D__ASSEMBLER__ -c -o $@ $<

$(ELF): $(KOBJS) $(GEN)/linker.ld
	$(call msg,LD,$@)
	$(Q)$(CC) $(KLDFLAGS) -T $(GEN)/linker.ld -o $@ $(KOBJS) -lgcc

$(BIN): $(ELF)
	$(call msg,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(wildcard $(KOBJS:.o=.d))

.PHONY: all
all: $(ELF) $(BIN)

# ---- running --------------------------------------------------------------------------------------

QEMU_MEM ?= $(shell echo $$(( $(or $(CONFIG_RAM_SIZE),0) / 1048576 )))M
# A kernel that powers off through semihosting gets QEMU's semihosting whatever the board.
QEMU_SEMIHOSTING := -semihosting-config enable=on,target=native
QEMU_CMD = $(QEMU) -M $(CONFIG_QEMU_MACHINE) -m $(QEMU_MEM) -nographic -bios $(OPENSBI) \
	-kernel $(ELF) $(if $(CONFIG_SEMIHOSTING_EXIT),$(QEMU_SEMIHOSTING)) $(CONFIG_QEMU_EXTRA_FLAGS) \
	$(if $(CMDLINE),-append "$(CMDLINE)") $(QEMU_FLAGS)

.PHONY: run debug size
run: $(ELF)
	$(Q)$(CHECK_TOOLS_SH) $(RUN_TOOLS)
	@echo "  QEMU     $(ELF) (Ctrl-A X quits)"
	$(Q)$(QEMU_CMD)

# GDB_PORT: QEMU's gdbstub port (-s is port 1234); scripts/gdbinit reads the same variable.
GDB_PORT ?= 1234
debug: $(ELF)
	$(Q)$(CHECK_TOOLS_SH) $(RUN_TOOLS) gdb-multiarch
	@echo "  QEMU     waiting for GDB on :$(GDB_PORT); in another terminal: make gdb (O=, GDB_PORT= as here)"
	$(Q)$(QEMU_CMD) -S -gdb tcp::$(GDB_PORT)

size: $(ELF)
	$(Q)$(PYTHON) scripts/size_report.py --elf $(ELF) --map $(MAP) $(SIZE_FLAGS)

# ---- tests ----------------------------------------------------------------------------------------

include scripts/unit.mk
# Further targets (bench, fuzz, ...) each live in their own fragment.
include $(sort $(wildcard scripts/mk/*.mk))

# The layout generator runs first (KOBJS is complete only here, after the fragments): a
# configuration it refuses stops before anything compiles.
$(KOBJS): | $(GEN)/linker.ld

# pytest-xdist workers (0 runs in one process); loadfile keeps each test file on one
# worker, since some files share a build tree between their tests.
PYTEST_JOBS ?= 2
.PHONY: check
check:
	$(Q)$(CHECK_TOOLS_SH) $(TEST_TOOLS)
	$(Q)$(PYTHON) -m pytest -c tests/pytest.ini tests/system -n $(PYTEST_JOBS) --dist loadfile \
		$(PYTEST_FLAGS)

# The inner loop: every test that does not name another defconfig (so unit, kconfig, layout,
# make habits and qemu_virt_defconfig's boots and shell), without the randconfig sweep and the
# fuzzers. `make check` stays the full gate.
QUICK_SKIP := $(filter-out qemu_virt_defconfig,$(DEFCONFIGS)) test_randconfig.py test_fuzz.py
.PHONY: check-quick
check-quick:
	$(Q)$(CHECK_TOOLS_SH) $(TEST_TOOLS)
	$(Q)$(PYTHON) -m pytest -c tests/pytest.ini tests/system -n $(PYTEST_JOBS) --dist loadfile \
		-k "not ($(subst $(space),$(space)or$(space),$(strip $(QUICK_SKIP))))" $(PYTEST_FLAGS)

# ---- housekeeping ---------------------------------------------------------------------------------

.PHONY: clean distclean mrproper format install-deps help
clean:
	$(Q)rm -rf $(BUILD) $(ELF) $(BIN) $(MAP)

distclean mrproper: clean
	$(Q)rm -rf $(CONFIG) $(CONFIG).old $(O)/include/generated $(O)/include/config $(O)/defconfig

format:
	$(Q)$(CHECK_TOOLS_SH) clang-format
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

install-deps:
	$(Q)scripts/install-deps.sh

help:
	@echo "Configuration:"
	@echo "  <name>_defconfig  write .config from defconfigs/<name>_defconfig"
	@echo "  menuconfig        edit .config in kconfiglib's menuconfig"
	@echo "  guiconfig         edit .config in kconfiglib's Tk front end (needs a display)"
	@echo "  olddefconfig      check .config and fill in new symbols with defaults"
	@echo "  listnewconfig     list the options .config does not mention yet"
	@echo "  savedefconfig     write the minimal configuration to \$$O/defconfig"
	@echo "  randconfig        random board and options (KCONFIG_SEED=N repeats one)"
	@echo "  allnoconfig / allyesconfig / alldefconfig   every option off / on / default"
	@echo "                    (KCONFIG_ALLCONFIG=<fragment> keeps its values)"
	@echo "Build and run:"
	@echo "  all (default)     bora.elf and bora.bin"
	@echo "  run               boot in QEMU (Ctrl-A X quits); QEMU_MEM=4G, QEMU_FLAGS=... override"
	@echo "                    CMDLINE='key=value ...' sets the kernel command line (bootargs)"
	@echo "  debug             QEMU waiting for gdb-multiarch on :1234 (GDB_PORT=); then make gdb"
	@echo "  gdb               gdb-multiarch with scripts/gdbinit: attach, stop at kernel_main"
	@echo "  size              footprint: sections, text/rodata/data/bss per directory"
	@echo "                    (SIZE_FLAGS=--files: per object too)"
	@echo "  compile_commands.json  compile database for clangd, in \$$O"
	@echo "Tests:"
	@echo "  check             every test: host unit tests, kconfig/generator checks, QEMU boots,"
	@echo "                    the randconfig sweep (RANDCONFIG_COUNT=N more seeds)"
	@echo "  check-quick       the inner loop: check without the other defconfigs, the sweep and"
	@echo "                    the fuzzers"
	@echo "  unit              host unit tests only (cmocka, ASan+UBSan); unit-<name> for one"
	@echo "  fuzz              libFuzzer over every allocator, kmalloc, the FDT reader, the shell"
	@echo "                    parser (FUZZ_SECONDS=N each; fuzz-<target> for one)"
	@echo "Benchmarks:"
	@echo "  bench             host allocators vs glibc/jemalloc/mimalloc, boot cost and"
	@echo "                    footprint per defconfig (build/bench/); BENCH_FLAGS=--quick"
	@echo "  bench-host / bench-kernel / bench-build   one part only"
	@echo "Other:"
	@echo "  clean / distclean remove build output / and the configuration"
	@echo "  install-deps      install the Debian packages the build needs (root)"
	@echo "  format            clang-format every C file"
	@echo "Options: O=<dir> out-of-tree output, V=1 full command lines, PYTHON=<python3>"
	@echo "Defconfigs:"
	@for d in $(DEFCONFIGS); do echo "  $$d"; done

.DEFAULT:
	@echo "make: *** no rule to make target '$@'; 'make help' lists the targets" >&2
	@exit 2
