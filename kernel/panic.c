// SPDX-License-Identifier: MIT
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/thread.h>
#include <asm/sbi.h>
#include <asm/semihosting.h>

static bool is_kernel_stack_addr(uintptr_t a)
{
	if ((a & 7) != 0)
		return false;
	return (a >= (uintptr_t)_sbss && a < (uintptr_t)_end) || thread_stack_contains(a);
}

static bool is_kernel_text(uintptr_t a)
{
	return a >= (uintptr_t)_stext && a < (uintptr_t)_etext;
}

void backtrace_from(uintptr_t fp, uintptr_t pc)
{
	printk("Backtrace (decode with scripts/symbolize.sh bora.elf):\n");
	int depth = 0;

	if (pc)
		printk("  #%-2d %016lx\n", depth++, (unsigned long)pc);
	for (; depth < CONFIG_BACKTRACE_DEPTH; depth++) {
		uintptr_t ra, prev;

		if (!is_kernel_stack_addr(fp - 16))
			break;
		ra = ((uintptr_t *)fp)[-1];
		prev = ((uintptr_t *)fp)[-2];
		if (!is_kernel_text(ra))
			break;
		printk("  #%-2d %016lx\n", depth, (unsigned long)ra);
		if (prev <= fp)
			break; /* frames must move up the stack; stop on a loop */
		fp = prev;
	}
}

/* sifive,test finisher commands (QEMU hw/misc/sifive_test.c). */
#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555

void system_poweroff(bool success)
{
	if (CONFIG_FINISHER_BASE && !success)
		*(volatile uint32_t *)phys_to_virt(CONFIG_FINISHER_BASE) =
		    FINISHER_FAIL | (1u << 16);
#ifdef CONFIG_SEMIHOSTING_EXIT
	semihosting_exit(success ? 0 : 1);
#endif
	sbi_system_reset(SBI_SRST_SHUTDOWN, success ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAIL);
}

static void __attribute__((noreturn)) vpanic(uintptr_t fp, const char *fmt, va_list ap)
{
	printk("\nKernel panic: ");
	vprintk(fmt, ap);
	printk("\n");
	if (fp)
		backtrace_from(fp, 0);
	printk("---[ end Kernel panic ]---\n");
	system_poweroff(false);
}

void panic_after_report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(0, fmt, ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic((uintptr_t)__builtin_frame_address(0), fmt, ap);
}
