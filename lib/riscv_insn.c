// SPDX-License-Identifier: MIT
/*
 * Zbb's encodings, from the RISC-V Bit-Manipulation ISA-extensions 1.0.0,
 * chapter 2.1 (RV64): they share the OP, OP-32, OP-IMM and OP-IMM-32 major
 * opcodes with the base ISA and are told apart by funct7 (or the immediate's
 * top bits) and funct3.
 */
#include <bora/riscv_insn.h>

#define OPC_OP        0x33
#define OPC_OP_32     0x3b
#define OPC_OP_IMM    0x13
#define OPC_OP_IMM_32 0x1b

/* OP-IMM funct3 001 immediates: clz, ctz, cpop, sext.b, sext.h (the W forms: the first three). */
static bool is_count_or_sext(uint32_t imm12, bool word)
{
	return imm12 == 0x600 || imm12 == 0x601 || imm12 == 0x602 ||
	       (!word && (imm12 == 0x604 || imm12 == 0x605));
}

bool riscv_insn_is_zbb(uint32_t insn)
{
	uint32_t funct3 = (insn >> 12) & 7, funct7 = insn >> 25, imm12 = insn >> 20;
	bool rotate = funct7 == 0x30 && (funct3 == 1 || funct3 == 5); /* rol, ror (w) */

	switch (insn & 0x7f) {
	case OPC_OP:
		/* andn 111, orn 110, xnor 100; min 100, minu 101, max 110, maxu 111. */
		return (funct7 == 0x20 && (funct3 == 4 || funct3 >= 6)) ||
		       (funct7 == 0x05 && funct3 >= 4) || rotate;
	case OPC_OP_32:
		/* rolw, rorw; zext.h is packw with rs2 = x0. */
		return rotate || (funct7 == 0x04 && funct3 == 4 && ((insn >> 20) & 0x1f) == 0);
	case OPC_OP_IMM:
		if (funct3 == 1)
			return is_count_or_sext(imm12, false);
		/* rori (a 6-bit shamt under 011000), orc.b, rev8 (RV64). */
		return funct3 == 5 && ((imm12 >> 6) == 0x18 || imm12 == 0x287 || imm12 == 0x6b8);
	case OPC_OP_IMM_32:
		if (funct3 == 1)
			return is_count_or_sext(imm12, true);
		return funct3 == 5 && funct7 == 0x30; /* roriw */
	default:
		return false;
	}
}
