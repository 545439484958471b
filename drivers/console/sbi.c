// SPDX-License-Identifier: MIT
/* Console through the firmware: SBI DBCN when present, else the legacy calls. */
#include <bora/console.h>
#include <asm/sbi.h>

void console_init(void)
{
}

void console_putc(char c)
{
	sbi_console_putchar(c);
}

int console_hw_getc(void)
{
	/* Legacy console_getchar (EID 0x02) returns -1 when nothing is pending. */
	struct sbiret r = sbi_call(0x02, 0, 0, 0, 0);

	return r.error < 0 ? -1 : (int)r.error;
}

const char *console_name(void)
{
	return "sbi";
}

const char *console_dt_compatible(void)
{
	return NULL; /* no device of its own: polled from a timeout */
}

void console_hw_rx_irq(bool on)
{
	(void)on;
}
