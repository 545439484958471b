# libFuzzer targets (tests/fuzz/): every byte allocator in mm/, the bitmap page
# allocator, the id allocator, kmalloc's struct kheap, the FDT reader and the
# shell's line editor and parser, built
# with clang -fsanitize=fuzzer,address,undefined from the same sources the kernel
# uses.
#
#   make fuzz [FUZZ_SECONDS=N]     fuzz every target N seconds (default 60)
#   make fuzz-<target>             fuzz one target
#   make fuzz-build                build every target (fuzz-build-<target>: one)
#   make fuzz-replay               run every seed/regression input once, no fuzzing
#   make fuzz-list                 print the target names
#
# Seeds and regression inputs live in tests/fuzz/corpus/<target>/ (kept small,
# under version control). What the fuzzer discovers goes to the working corpus
# $(O)/build/fuzz/corpus/<target>/, which survives between runs; crashes are
# written to $(O)/build/fuzz/crashes/<target>/. A crash worth keeping is
# minimised (<binary> -minimize_crash=1 -runs=10000 <crash-file>) and copied into
# tests/fuzz/corpus/<target>/ as regress-<what>, where fuzz-replay and
# `make check` run it from then on.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_OUT := $(O)/build/fuzz
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -DBORA_HOST \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iinclude -Itests/fuzz

# Byte allocators: the ones present in mm/, with the sources their unit-test
# fragment registers (BYTE_ALLOC_SRCS_<name>, e.g. slab needs buddy.c) or mm/<name>.c.
FUZZ_BYTE_ALLOCS := $(filter tlsf buddy bitmap_buddy slab,$(basename $(notdir $(wildcard mm/*.c))))
FUZZ_ALLOC_SRCS = $(or $(BYTE_ALLOC_SRCS_$(1)),mm/$(1).c)

FUZZ_TARGETS := $(FUZZ_BYTE_ALLOCS) bitmap_page id_alloc kmalloc fdt
# Comparison tracing guides the fuzzer to magic values, which only the FDT reader
# has; for the allocators it would triple the cost of their validators.
FUZZ_NO_CMP := -fno-sanitize-coverage=trace-cmp
$(foreach a,$(FUZZ_BYTE_ALLOCS),\
  $(eval FUZZ_SRCS_$(a) = tests/fuzz/fuzz_byte_alloc.c tests/fuzz/fuzz_byte_hostile.c lib/errno.c \
    $$(call FUZZ_ALLOC_SRCS,$(a)))\
  $(eval FUZZ_DEFS_$(a) := -DFUZZ_OPS=$(a)_byte_ops $(FUZZ_NO_CMP)))
FUZZ_SRCS_bitmap_page := tests/fuzz/fuzz_page_alloc.c mm/bitmap_page.c lib/errno.c
FUZZ_DEFS_bitmap_page := $(FUZZ_NO_CMP)
FUZZ_SRCS_id_alloc := tests/fuzz/fuzz_id_alloc.c mm/id_alloc.c lib/errno.c
FUZZ_DEFS_id_alloc := $(FUZZ_NO_CMP)
FUZZ_SRCS_kmalloc = tests/fuzz/fuzz_kmalloc.c mm/kmalloc.c mm/kmalloc_grow.c mm/kmalloc_report.c mm/kmalloc_debug.c mm/bitmap_page.c lib/errno.c \
	$(sort $(foreach a,$(FUZZ_BYTE_ALLOCS),$(call FUZZ_ALLOC_SRCS,$(a))))
FUZZ_DEFS_kmalloc = $(foreach a,$(FUZZ_BYTE_ALLOCS),-DFUZZ_HAVE_$(a)) $(FUZZ_NO_CMP)
# Each byte allocator and kmalloc again with CONFIG_ALLOC_DEBUG (the allocators'
# debug-only checks, e.g. TLSF's region walk), fuzzed from the same corpus.
FUZZ_DEBUG_TARGETS := $(addsuffix _debug,$(FUZZ_BYTE_ALLOCS) kmalloc)
FUZZ_TARGETS += $(FUZZ_DEBUG_TARGETS)
$(foreach t,$(FUZZ_DEBUG_TARGETS),\
  $(eval FUZZ_SRCS_$(t) = $$(FUZZ_SRCS_$(t:_debug=)))\
  $(eval FUZZ_DEFS_$(t) = $$(FUZZ_DEFS_$(t:_debug=)) -DCONFIG_ALLOC_DEBUG=1)\
  $(eval FUZZ_CORPUS_$(t) := $(t:_debug=)))
FUZZ_SRCS_fdt := tests/fuzz/fuzz_fdt.c lib/fdt.c lib/fdt_query.c mm/physmem.c lib/errno.c
FUZZ_DEFS_fdt := -DCONFIG_FDT_MAX_DEPTH=16
# The kernel command line (/chosen bootargs).
FUZZ_TARGETS += cmdline
FUZZ_SRCS_cmdline := tests/fuzz/fuzz_cmdline.c lib/cmdline.c lib/errno.c
# The shell's line editor and command-line parser, when the kernel has a shell;
# a short line and history so the fuzzer reaches both limits.
ifneq ($(wildcard subsys/shell/shell_parse.c subsys/shell/shell_edit.c),)
FUZZ_TARGETS += shell
FUZZ_SRCS_shell := tests/fuzz/fuzz_shell.c subsys/shell/shell_parse.c subsys/shell/shell_edit.c
FUZZ_DEFS_shell := -DCONFIG_SHELL_LINE_MAX=24 -DCONFIG_SHELL_HISTORY=4
endif

FUZZ_HEADERS := $(wildcard include/bora/*.h mm/*.h tests/fuzz/*.h)

# The seeds a target starts from: its own directory, or its base target's (the _debug variants).
fuzz_corpus = $(or $(FUZZ_CORPUS_$(1)),$(1))

define fuzz_rule
$(FUZZ_OUT)/bin/$(1): $$(FUZZ_SRCS_$(1)) $(FUZZ_HEADERS) scripts/mk/fuzz.mk
	@mkdir -p $$(@D)
	$(call msg,FUZZCC,$$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $$(FUZZ_DEFS_$(1)) -o $$@ $$(FUZZ_SRCS_$(1))

.PHONY: fuzz-$(1) fuzz-build-$(1)
fuzz-build-$(1): $(FUZZ_OUT)/bin/$(1)

fuzz-$(1): $(FUZZ_OUT)/bin/$(1)
	@mkdir -p $(FUZZ_OUT)/corpus/$(1) $(FUZZ_OUT)/crashes/$(1) tests/fuzz/corpus/$(call fuzz_corpus,$(1))
	@echo "  FUZZ     $(1) for $(FUZZ_SECONDS) s"
	$(Q)$(FUZZ_OUT)/bin/$(1) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_OUT)/crashes/$(1)/ $(FUZZ_FLAGS) \
		$(FUZZ_OUT)/corpus/$(1) tests/fuzz/corpus/$(call fuzz_corpus,$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

.PHONY: fuzz fuzz-build fuzz-replay fuzz-list
fuzz-build: $(addprefix $(FUZZ_OUT)/bin/,$(FUZZ_TARGETS))

# Every target runs even if an earlier one found a crash; the exit status says whether any did.
fuzz: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
		$(MAKE) fuzz-$$t || { echo "fuzz: $$t found a crash (see $(FUZZ_OUT)/crashes/$$t/)"; fail=1; }; \
	done; exit $$fail

fuzz-replay: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
		files=$$(find tests/fuzz/corpus/$${t%_debug} -type f 2>/dev/null | sort); \
		[ -n "$$files" ] || continue; \
		echo "  REPLAY   $$t ($$(echo "$$files" | wc -l) inputs)"; \
		mkdir -p $(FUZZ_OUT)/crashes/$$t; \
		$(FUZZ_OUT)/bin/$$t -artifact_prefix=$(FUZZ_OUT)/crashes/$$t/ $$files \
			>$(FUZZ_OUT)/replay-$$t.log 2>&1 || \
			{ cat $(FUZZ_OUT)/replay-$$t.log; echo "fuzz-replay: $$t FAILED"; fail=1; }; \
	done; exit $$fail

fuzz-list:
	@echo $(FUZZ_TARGETS)
