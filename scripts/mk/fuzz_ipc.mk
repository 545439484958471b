# The IPC syscall layer's libFuzzer target (tests/fuzz/fuzz_ipc.c), added to
# scripts/mk/fuzz.mk's list: it reuses the unit tests' fake environment.
ifneq ($(wildcard kernel/ipc_syscall.c),)
FUZZ_TARGETS += ipc
FUZZ_SRCS_ipc := tests/fuzz/fuzz_ipc.c tests/unit/ipc_fake.c kernel/handle.c \
	kernel/ipc_endpoint.c kernel/ipc_notify.c kernel/ipc_syscall.c kernel/ipc_irq.c lib/errno.c
FUZZ_DEFS_ipc := -Itests/unit
$(eval $(call fuzz_rule,ipc))
fuzz-build: $(FUZZ_OUT)/bin/ipc
endif
