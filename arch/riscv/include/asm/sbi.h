/* SPDX-License-Identifier: MIT */
/* Supervisor Binary Interface calls (RISC-V SBI specification v2.0). */
#ifndef ASM_SBI_H
#define ASM_SBI_H

#include <bora/types.h>

struct sbiret {
	long error;
	long value;
};

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_BASE           0x10
#define SBI_EXT_SRST           0x53525354 /* "SRST", chapter 10 */
#define SBI_EXT_DBCN           0x4442434E /* "DBCN", chapter 12 */

#define SBI_SRST_SHUTDOWN    0
#define SBI_SRST_COLD_REBOOT 1
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAIL 1

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2);
bool sbi_probe_extension(long ext);
long sbi_spec_version(void);
void sbi_console_putchar(char c);
/* Does not return; falls back to spinning if the firmware refuses. */
void sbi_system_reset(uint32_t type, uint32_t reason) __attribute__((noreturn));

#endif
