/* SPDX-License-Identifier: MIT */
/*
 * The C string functions the kernel provides in lib/string.c. Host builds of the
 * same mm/ and lib/ sources use the C library's versions instead.
 */
#ifndef BORA_STRING_H
#define BORA_STRING_H

#ifdef BORA_HOST
#include <string.h>
#else
#include <stddef.h>
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

#endif
