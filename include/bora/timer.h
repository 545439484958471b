/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V timer (drivers/timer/riscv_timer.c): the `time` CSR as the clock,
 * and one supervisor timer interrupt programmed through Sstc's `stimecmp` when
 * the boot hart's ISA string lists "sstc", or through SBI TIME set_timer.
 *
 * Time is counted in ticks of the time CSR ("timer ticks"), whose rate is
 * /cpus/timebase-frequency. CONFIG_TICKLESS_KERNEL programs only the earliest
 * pending timeout; otherwise a periodic interrupt fires every
 * timer_tick_ticks() ticks (CONFIG_SYS_CLOCK_TICKS_PER_SEC per second).
 */
#ifndef BORA_TIMER_H
#define BORA_TIMER_H

#include <bora/types.h>

/* Read the device tree (via dt_*), pick the programming method, mask the interrupt. */
void timer_init(void);

/* The time CSR. */
uint64_t timer_now(void);
/* Its frequency in Hz (timebase-frequency, or the board's CONFIG_TIMER_FREQ_HZ). */
uint64_t timer_freq(void);
/* "sstc" or "sbi". */
const char *timer_method(void);

/* Conversions; to-ticks round up (a wait is never shorter), from-ticks round down. */
uint64_t timer_ms_to_ticks(uint64_t ms);
uint64_t timer_us_to_ticks(uint64_t us);
uint64_t timer_ticks_to_ms(uint64_t ticks);
uint64_t timer_ticks_to_us(uint64_t ticks);

/* Periodic mode: timer ticks between two tick interrupts; 0 when tickless. */
uint64_t timer_tick_ticks(void);

/*
 * Request one timer interrupt at or after absolute tick `abs` (UINT64_MAX:
 * none), replacing any earlier request. Interrupts should be off.
 */
void timer_set_deadline(uint64_t abs);

/* The supervisor timer interrupt (scause 5), called by the trap dispatch. */
void timer_irq_handle(void);

/* Timer interrupts taken since boot. */
uint64_t timer_irq_count(void);

#endif
