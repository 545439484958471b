# Handle tables and the IPC state machine (kernel/handle.c, kernel/ipc_*.c) over
# a fake scheduler and user memory (tests/unit/ipc_fake.c).
IPC_CORE_SRCS := kernel/handle.c kernel/ipc_endpoint.c kernel/ipc_notify.c kernel/ipc_syscall.c \
	kernel/ipc_irq.c \
	tests/unit/ipc_fake.c lib/errno.c
UNIT_TESTS += handle ipc ipc_words2 ipc_stress
UNIT_SRCS_handle := tests/unit/test_handle.c kernel/handle.c lib/errno.c
UNIT_SRCS_ipc := tests/unit/test_ipc.c $(IPC_CORE_SRCS)
# Two message words: the third must be refused.
UNIT_SRCS_ipc_words2 := tests/unit/test_ipc.c $(IPC_CORE_SRCS)
UNIT_CFLAGS_ipc_words2 := -DCONFIG_IPC_MSG_WORDS=2
UNIT_SRCS_ipc_stress := tests/unit/test_ipc_stress.c $(IPC_CORE_SRCS)
