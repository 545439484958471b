/* SPDX-License-Identifier: MIT */
/*
 * The user-program runtime: system-call wrappers (lib/syscall.c), console
 * output with printf (lib/stdio.c) and the C string functions (the kernel's
 * lib/string.c, built again for U-mode). Every wrapper returns what the
 * kernel put in a0: >= 0 on success, -errno on failure.
 */
#ifndef USER_H
#define USER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/bora/errno.h>
#include <uapi/bora/syscall.h>

long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

long sys_null(void);
__attribute__((noreturn)) void sys_exit(int status);
long sys_yield(void);
long sys_sleep(unsigned long ms);
long sys_write(const void *buf, size_t len);
long sys_read(void *buf, size_t len);
long sys_mmap(void *addr, size_t len, int prot);
long sys_munmap(void *addr, size_t len);
long sys_mprotect(void *addr, size_t len, int prot);
long sys_thread_create(void (*entry)(void *), void *stack_top, void *arg);
__attribute__((noreturn)) void sys_thread_exit(void);
long sys_spawn(const char *name, const char *const *argv, int argc);
long sys_wait(long task_id, int *status);
long sys_task_id(void);
long sys_kill(long task_id);

/*
 * The console: through the user-mode UART server when the task was spawned
 * with a console handle (user_console >= 0, set by crt0 from a2), else the
 * kernel's SYS_WRITE / SYS_READ (user/lib/console.c). printf and puts write
 * with console_write. console_read waits for at least one byte.
 */
extern long user_console;
long console_write(const void *buf, size_t len);
long console_read(void *buf, size_t len);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int puts(const char *s);
const char *err_name(long err); /* "EINVAL" for -EINVAL, ... */

void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
