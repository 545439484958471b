// SPDX-License-Identifier: MIT
#include <bora/console.h>
#include <bora/printk.h>
#include <bora/spinlock.h>

static spinlock_t printk_lock = SPINLOCK_INIT;

int vprintk(const char *fmt, va_list ap)
{
	char line[CONFIG_PRINTK_BUFFER_SIZE];
	int n = kvsnprintf(line, sizeof(line), fmt, ap);
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	unsigned long flags;

	if ((size_t)n >= sizeof(line))
		line[len - 1] = line[len - 2] = line[len - 3] = '.';
	/* Whole lines from every thread and interrupt handler, never interleaved. */
	flags = spin_lock_irqsave(&printk_lock);
	console_write(line, len);
	spin_unlock_irqrestore(&printk_lock, flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
