// SPDX-License-Identifier: MIT
/* riscv_insn_is_zbb over every Zbb instruction and base/M instructions that share its opcodes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bora/riscv_insn.h>

struct insn {
	uint32_t word;
	const char *name;
};

/* Encoded by riscv64-unknown-elf-as -march=rv64im_zbb (a0, a1, a2; shamt 13 / 7). */
static const struct insn zbb[] = {
    {0x40c5f533, "andn"},   {0x40c5e533, "orn"},    {0x40c5c533, "xnor"},  {0x0ac5c533, "min"},
    {0x0ac5d533, "minu"},   {0x0ac5e533, "max"},    {0x0ac5f533, "maxu"},  {0x60c59533, "rol"},
    {0x60c5d533, "ror"},    {0x60c5953b, "rolw"},   {0x60c5d53b, "rorw"},  {0x60d5d513, "rori"},
    {0x6075d51b, "roriw"},  {0x60059513, "clz"},    {0x60159513, "ctz"},   {0x60259513, "cpop"},
    {0x6005951b, "clzw"},   {0x6015951b, "ctzw"},   {0x6025951b, "cpopw"}, {0x60459513, "sext.b"},
    {0x60559513, "sext.h"}, {0x0805c53b, "zext.h"}, {0x2875d513, "orc.b"}, {0x6b85d513, "rev8"},
};

static const struct insn not_zbb[] = {
    {0x00c58533, "add"},   {0x40c58533, "sub"},   {0x40c5d533, "sra"},   {0x00c5d533, "srl"},
    {0x00c5f533, "and"},   {0x00c5e533, "or"},    {0x00c5c533, "xor"},   {0x02c58533, "mul"},
    {0x02c5c533, "div"},   {0x00c5853b, "addw"},  {0x40c5853b, "subw"},  {0x40c5d53b, "sraw"},
    {0x00d59513, "slli"},  {0x00d5d513, "srli"},  {0x40d5d513, "srai"},  {0x0075951b, "slliw"},
    {0x0075d51b, "srliw"}, {0x4075d51b, "sraiw"}, {0x60058513, "addi"},  {0xfff5c513, "xori"},
    {0x0055851b, "addiw"}, {0x02c5c53b, "divw"},  {0x02c5f53b, "remuw"}, {0x00100073, "ebreak"},
    {0x10500073, "wfi"},   {0x00000013, "nop"},
};

static void every_zbb_instruction_is_recognised(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(zbb) / sizeof(zbb[0]); i++) {
		if (!riscv_insn_is_zbb(zbb[i].word))
			fail_msg("%s (%#x) not taken for Zbb", zbb[i].name, zbb[i].word);
		/* Other registers, same instruction. */
		if (!riscv_insn_is_zbb(zbb[i].word ^ (0x1f << 7)))
			fail_msg("%s with rd x%u not taken for Zbb", zbb[i].name,
			         ((zbb[i].word >> 7) & 0x1f) ^ 0x1f);
	}
}

static void base_instructions_on_the_same_opcodes_are_not_zbb(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(not_zbb) / sizeof(not_zbb[0]); i++)
		if (riscv_insn_is_zbb(not_zbb[i].word))
			fail_msg("%s (%#x) taken for Zbb", not_zbb[i].name, not_zbb[i].word);
}

/* zext.h is packw with rs2 = x0; packw with another rs2 is Zbkb, not Zbb. */
static void zext_h_needs_rs2_zero(void **state)
{
	(void)state;
	assert_true(riscv_insn_is_zbb(0x0805c53b));
	assert_false(riscv_insn_is_zbb(0x0805c53b | (12u << 20)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_zbb_instruction_is_recognised),
	    cmocka_unit_test(base_instructions_on_the_same_opcodes_are_not_zbb),
	    cmocka_unit_test(zext_h_needs_rs2_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
