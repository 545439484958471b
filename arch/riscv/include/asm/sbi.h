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
#define SBI_EXT_IPI            0x735049   /* "sPI", chapter 7 */
#define SBI_EXT_RFENCE         0x52464E43 /* "RFNC", chapter 8 */
#define SBI_EXT_HSM            0x48534D   /* "HSM", chapter 9 */

/* Standard error codes, SBI spec 3.2 (table 1). */
#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

#define SBI_SRST_SHUTDOWN    0
#define SBI_SRST_COLD_REBOOT 1
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAIL 1

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2);
/* The same with five arguments (RFENCE's remote_sfence_vma_asid needs a0..a4). */
struct sbiret sbi_call5(long ext, long fid, long a0, long a1, long a2, long a3, long a4);
bool sbi_probe_extension(long ext);
long sbi_spec_version(void);
void sbi_console_putchar(char c);
/* Does not return; falls back to spinning if the firmware refuses. */
void sbi_system_reset(uint32_t type, uint32_t reason) __attribute__((noreturn));

/* "SBI_ERR_INVALID_PARAM", ...; "SBI_ERR_?" for codes the spec does not define. */
const char *sbi_error_name(long err);

/*
 * HSM (chapter 9): start `hartid` in S-mode at physical `start_pa` with paging
 * off, a0 = hartid and a1 = `opaque`; its state (HSM_STATE_*) for the log.
 */
#define SBI_HSM_STATE_STARTED       0
#define SBI_HSM_STATE_STOPPED       1
#define SBI_HSM_STATE_START_PENDING 2
long sbi_hart_start(unsigned long hartid, uintptr_t start_pa, unsigned long opaque);
void sbi_hart_stop(void) __attribute__((noreturn));
long sbi_hart_status(unsigned long hartid);

/*
 * IPI (chapter 7) and RFENCE (chapter 8) take a hart mask: bit i names hart
 * `base + i` (SBI spec 3.2, "hart mask"). RFENCE returns once every target
 * has fenced; start = size = 0 means the whole address space.
 */
long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                           uintptr_t start, size_t size);
long sbi_remote_sfence_vma_asid(unsigned long hart_mask, unsigned long hart_mask_base,
                                uintptr_t start, size_t size, unsigned long asid);

#endif
