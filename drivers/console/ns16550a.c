// SPDX-License-Identifier: MIT
/*
 * NS16550A UART console. Register offsets and bits from the TI/National PC16550D
 * data sheet: RBR/THR at 0, IER 1, FCR 2, LCR 3, MCR 4, LSR 5.
 */
#include <bora/console.h>
#include <bora/mm.h>

#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_LSR 5

#define IER_RX_AVAILABLE (1u << 0) /* "received data available" interrupt */
#define LSR_DATA_READY   (1u << 0)
#define LSR_THR_EMPTY    (1u << 5)
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear RX and TX */
#define LCR_8N1          0x03

static volatile uint8_t *uart_reg(unsigned reg)
{
	/* The boot table maps the UART's gigapage at its high-half alias. */
	return (volatile uint8_t *)phys_to_virt(CONFIG_UART_BASE + (reg << CONFIG_UART_REG_SHIFT));
}

void console_init(void)
{
	/* Firmware already set the baud rate; keep it, polled mode, 8N1. */
	*uart_reg(UART_IER) = 0;
	*uart_reg(UART_LCR) = LCR_8N1;
	*uart_reg(UART_FCR) = FCR_ENABLE_CLEAR;
}

void console_putc(char c)
{
	while (!(*uart_reg(UART_LSR) & LSR_THR_EMPTY))
		;
	*uart_reg(UART_THR) = (uint8_t)c;
}

int console_hw_getc(void)
{
	if (!(*uart_reg(UART_LSR) & LSR_DATA_READY))
		return -1;
	return *uart_reg(UART_RBR);
}

const char *console_name(void)
{
	return "ns16550a";
}

const char *console_dt_compatible(void)
{
	return "ns16550a";
}

void console_hw_rx_irq(bool on)
{
	/* With the FIFO's trigger level at 1 byte (FCR bits 7:6 = 0), every byte raises it. */
	*uart_reg(UART_IER) = on ? IER_RX_AVAILABLE : 0;
}
