/* SPDX-License-Identifier: MIT */
/*
 * RISC-V semihosting (RISC-V Semihosting spec v0.2 over the Arm semihosting
 * operations): a debugger or emulator services the call. Only valid where the
 * host enables it (QEMU: -semihosting-config enable=on); elsewhere the trap
 * sequence is a plain breakpoint exception.
 */
#ifndef ASM_SEMIHOSTING_H
#define ASM_SEMIHOSTING_H

#include <bora/types.h>

/*
 * SYS_EXIT with ADP_Stopped_ApplicationExit: QEMU exits with `status`. Returns
 * only when the host did not take the call (the breakpoint it then raises is
 * expected and skipped), so the caller can fall back to SBI.
 */
void semihosting_exit(uint32_t status);

#endif
