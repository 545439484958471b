/* SPDX-License-Identifier: MIT */
/* Recognising instruction encodings, for fault reports that name what a hart lacks. */
#ifndef BORA_RISCV_INSN_H
#define BORA_RISCV_INSN_H

#include <bora/types.h>

/* True when the 32-bit instruction word is one of Zbb's (bit-manipulation 1.0.0, RV64). */
bool riscv_insn_is_zbb(uint32_t insn);

#endif
