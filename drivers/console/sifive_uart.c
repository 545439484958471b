// SPDX-License-Identifier: MIT
/*
 * SiFive UART console (compatible "sifive,uart0"). Register map and bits from
 * the SiFive FU540-C000 manual, UART chapter: 32-bit registers txdata 0x00,
 * rxdata 0x04, txctrl 0x08, rxctrl 0x0c, ie 0x10. The baud divisor (div, 0x18)
 * is left as the firmware set it.
 */
#include <bora/console.h>
#include <bora/mm.h>

#define UART_TXDATA 0x00
#define UART_RXDATA 0x04
#define UART_TXCTRL 0x08
#define UART_RXCTRL 0x0c
#define UART_IE     0x10

#define TXDATA_FULL  (1u << 31) /* write ignored while set */
#define RXDATA_EMPTY (1u << 31) /* the read returned no byte */
#define RXDATA_BYTE  0xffu
#define TXCTRL_TXEN  (1u << 0)
#define RXCTRL_RXEN  (1u << 0)
#define RXCTRL_RXCNT (7u << 16) /* rxwm raised while the FIFO holds more than this */
#define IE_RXWM      (1u << 1)

static volatile uint32_t *uart_reg(unsigned offset)
{
	/* The boot table maps the UART's gigapage at its high-half alias. */
	return (volatile uint32_t *)phys_to_virt(CONFIG_UART_BASE + offset);
}

void console_init(void)
{
	/* Polled: no interrupts. Keep the firmware's stop bits and watermarks. */
	*uart_reg(UART_IE) = 0;
	*uart_reg(UART_TXCTRL) |= TXCTRL_TXEN;
	*uart_reg(UART_RXCTRL) |= RXCTRL_RXEN;
}

void console_putc(char c)
{
	while (*uart_reg(UART_TXDATA) & TXDATA_FULL)
		;
	*uart_reg(UART_TXDATA) = (uint8_t)c;
}

int console_hw_getc(void)
{
	/* One read both tests and pops: the byte is only valid with EMPTY clear. */
	uint32_t rx = *uart_reg(UART_RXDATA);

	if (rx & RXDATA_EMPTY)
		return -1;
	return (int)(rx & RXDATA_BYTE);
}

const char *console_name(void)
{
	return "sifive-uart";
}

const char *console_dt_compatible(void)
{
	return "sifive,uart0";
}

void console_hw_rx_irq(bool on)
{
	if (on) /* watermark 0: interrupt while at least one byte waits */
		*uart_reg(UART_RXCTRL) = (*uart_reg(UART_RXCTRL) & ~RXCTRL_RXCNT) | RXCTRL_RXEN;
	*uart_reg(UART_IE) = on ? IE_RXWM : 0;
}
