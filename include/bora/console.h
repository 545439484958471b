/* SPDX-License-Identifier: MIT */
#ifndef BORA_CONSOLE_H
#define BORA_CONSOLE_H

#include <bora/types.h>

/* The console driver the board selected (CONFIG_CONSOLE_*). */
void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t n);
const char *console_name(void);

/* ---- the driver's receive side (drivers/console/) ------------------------------------------ */

/* The UART's own receive register: -1 when no character is waiting. */
int console_hw_getc(void);
/* The device tree "compatible" of the UART, NULL for a console without a device (SBI). */
const char *console_dt_compatible(void);
/* Turn the UART's receive interrupt on or off (a no-op without one). */
void console_hw_rx_irq(bool on);

/* ---- input (kernel/console_rx.c) ----------------------------------------------------------- */

/*
 * Receive by interrupt into a ring buffer when the UART has a PLIC source
 * (from the device tree, else CONFIG_UART_IRQ), otherwise poll the console
 * every CONFIG_CONSOLE_POLL_MS from a timeout while someone waits. Call once
 * interrupts and timers are set up.
 */
void console_rx_init(void);
/* Next input byte without waiting: -1 if none (the ring first, then the UART itself). */
int console_getc(void);
/* Next input byte; the hart sleeps in wfi (or the thread blocks) until one arrives. */
int console_getc_wait(void);

/*
 * CONFIG_USER_CONSOLE_SERVER: hand the UART's receive interrupt to a user-mode
 * driver. release disconnects the kernel's handler and stops reading the UART
 * (readers sleep until reclaim) and gives the source: 0, -ENODEV when input is
 * polled (no source to give), -EBUSY when already given. reclaim (any context,
 * also under the scheduler's lock) takes it back once the driver's interrupt
 * object is gone.
 */
int console_rx_release(unsigned int *irq);
void console_rx_reclaim(void);

struct console_rx_stats {
	const char *mode;   /* "interrupt", "poll", "user" (released) or "off" (before init) */
	unsigned int irq;   /* PLIC source, 0 when polled */
	uint64_t bytes;     /* received into the ring */
	uint64_t throttled; /* times the ring filled and the receive interrupt was held off */
	size_t ring_size;
};
void console_rx_stats(struct console_rx_stats *out);

#endif
