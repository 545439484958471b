/* SPDX-License-Identifier: MIT */
/*
 * Kernel access to user memory. Every system call checks a user pointer and
 * length with user_range_ok() before touching it; the copy routines then set
 * sstatus.SUM only for the copy itself (privileged spec 4.1.1: with SUM clear,
 * S-mode loads and stores to U pages fault) and turn a fault inside the copy
 * into -EFAULT through the exception table (arch/riscv/uaccess.S), so an
 * unmapped or read-only user page never panics the kernel.
 */
#ifndef BORA_UACCESS_H
#define BORA_UACCESS_H

#include <bora/types.h>
#include <uapi/bora/syscall.h>

/*
 * Whether [addr, addr + len) lies inside the user half [USER_VA_START,
 * USER_VA_END) without wrapping. An empty range is always fine (nothing is
 * touched).
 */
static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	if (len == 0)
		return true;
	return addr >= USER_VA_START && addr < USER_VA_END && len <= USER_VA_END - addr;
}

#ifndef BORA_HOST
/* 0, or -EFAULT when the range is outside the user half or a page of it faults. */
int copy_from_user(void *dst, const void *user_src, size_t len);
int copy_to_user(void *user_dst, const void *src, size_t len);
/*
 * Copy a NUL-terminated string of at most max - 1 characters: its length, or
 * -EFAULT, or -ENAMETOOLONG when no NUL comes within max bytes (dst then holds
 * max - 1 characters and a NUL).
 */
long strncpy_from_user(char *dst, const char *user_src, size_t max);

/* The raw copies (arch/riscv/uaccess.S): bytes NOT copied, 0 on success. */
size_t uaccess_copy(void *dst, const void *src, size_t len);
/* Bytes copied before the NUL (< max), max when none, or (size_t)-1 after a fault. */
size_t uaccess_strncpy(char *dst, const char *src, size_t max);

/*
 * The exception table: each entry maps the pc of an instruction that may fault
 * on a user address to where execution continues. trap.c consults it for
 * page and access faults taken in S-mode.
 */
struct extable_entry {
	uintptr_t insn;
	uintptr_t fixup;
};

/* The fixup for a fault at `pc`, or 0 when pc is not a user-access instruction. */
uintptr_t extable_fixup(uintptr_t pc);
#endif

#endif
