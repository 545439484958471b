/* SPDX-License-Identifier: MIT */
#ifndef BORA_CONSOLE_H
#define BORA_CONSOLE_H

#include <bora/types.h>

/* The console driver the board selected (CONFIG_CONSOLE_*). */
void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t n);
/* -1 when no character is waiting. */
int console_getc(void);
const char *console_name(void);

#endif
