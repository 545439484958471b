/* SPDX-License-Identifier: MIT */
#ifndef BORA_PANIC_H
#define BORA_PANIC_H

#include <bora/types.h>

/* Print the message, a backtrace from the caller, and power off with a failure reason. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* panic() for callers that already printed a report and a backtrace (the trap handler). */
void panic_after_report(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/*
 * Frame-pointer backtrace from frame pointer `fp` (RISC-V psABI with -fno-omit-frame-pointer:
 * ra at fp-8, the caller's fp at fp-16), preceded by `pc` as frame #0 when non-zero.
 */
void backtrace_from(uintptr_t fp, uintptr_t pc);

/* Power off: success == true exits QEMU with status 0. */
void system_poweroff(bool success) __attribute__((noreturn));

#endif
