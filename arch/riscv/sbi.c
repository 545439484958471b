// SPDX-License-Identifier: MIT
#include <asm/sbi.h>

struct sbiret sbi_call(long ext, long fid, long arg0, long arg1, long arg2)
{
	/* Calling convention: SBI spec chapter 3 (a7 = EID, a6 = FID, a0/a1 return). */
	register long a0 __asm__("a0") = arg0;
	register long a1 __asm__("a1") = arg1;
	register long a2 __asm__("a2") = arg2;
	register long a6 __asm__("a6") = fid;
	register long a7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
	return (struct sbiret){.error = a0, .value = a1};
}

bool sbi_probe_extension(long ext)
{
	/* Base extension FID 3: sbi_probe_extension. */
	struct sbiret r = sbi_call(SBI_EXT_BASE, 3, ext, 0, 0);

	return r.error == 0 && r.value != 0;
}

long sbi_spec_version(void)
{
	return sbi_call(SBI_EXT_BASE, 0, 0, 0, 0).value;
}

void sbi_console_putchar(char c)
{
	static int has_dbcn = -1;

	if (has_dbcn < 0)
		has_dbcn = sbi_probe_extension(SBI_EXT_DBCN);
	if (has_dbcn) {
		/* DBCN FID 2: console_write_byte. */
		sbi_call(SBI_EXT_DBCN, 2, (unsigned char)c, 0, 0);
		return;
	}
	/* Legacy extension 0x01 (SBI v0.1): still provided by OpenSBI. */
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

void sbi_system_reset(uint32_t type, uint32_t reason)
{
	sbi_call(SBI_EXT_SRST, 0, type, reason, 0);
	/* SRST missing or refused: stop here rather than run on. */
	for (;;)
		__asm__ volatile("wfi");
}
