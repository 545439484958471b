// SPDX-License-Identifier: MIT
#include <bora/console.h>

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* Terminals expect CR LF; C code writes LF only. */
		if (s[i] == '\n')
			console_putc('\r');
		console_putc(s[i]);
	}
}
