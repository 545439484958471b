# libFuzzer targets of the user-mode work (see scripts/mk/fuzz.mk for the rules):
# the ELF parser and loader, and the user-range check every syscall relies on.
ifneq ($(wildcard lib/elf.c),)
FUZZ_TARGETS += elf user_range
FUZZ_SRCS_elf := tests/fuzz/fuzz_elf.c lib/elf.c mm/aspace.c mm/aspace_elf.c mm/sv39.c \
	mm/sv39_walk.c lib/errno.c
FUZZ_SRCS_user_range := tests/fuzz/fuzz_user_range.c
$(foreach t,elf user_range,$(eval $(call fuzz_rule,$(t))))
fuzz-build: $(FUZZ_OUT)/bin/elf $(FUZZ_OUT)/bin/user_range
endif
