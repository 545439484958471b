/* SPDX-License-Identifier: MIT */
#ifndef BORA_PRINTK_H
#define BORA_PRINTK_H

#include <stdarg.h>
#include <bora/types.h>

/*
 * Formatting shared by printk and the shell. Conversions: %d %i %u %x %X %o %c
 * %s %p %%, length modifiers hh h l ll z t, flags '-' '0' '+' ' ' '#', width and
 * precision (also as '*'). Always NUL-terminates when size > 0 and returns the
 * length the full output would have had, like C11 vsnprintf (7.21.6.12).
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#ifndef BORA_HOST
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
#endif

#endif
