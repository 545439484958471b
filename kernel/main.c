// SPDX-License-Identifier: MIT
#include <bora/cmdline.h>
#include <bora/console.h>
#include <bora/devicetree.h>
#include <bora/irq.h>
#include <bora/irqflags.h>
#include <bora/ktest.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/percpu.h>
#include <bora/printk.h>
#include <bora/sched.h>
#include <bora/sem.h>
#include <bora/shell.h>
#include <bora/smp.h>
#include <bora/task.h>
#include <bora/timer.h>
#include <asm/csr.h>
#include <asm/isa.h>

#include <bora/boot_info.h>

#ifdef CONFIG_KTEST_CRASH
#define IS_ENABLED_KTEST_CRASH 1
#else
#define IS_ENABLED_KTEST_CRASH 0
#endif

static const char *paging_stage_name(void)
{
#ifdef CONFIG_PAGING_FULL_REMAP
	return "full-remap";
#else
	return "early-gigapage";
#endif
}

static void print_range(const char *name, const void *start, const void *end)
{
	uintptr_t s = (uintptr_t)start, e = (uintptr_t)end;

	printk("  %-10s 0x%016lx - 0x%016lx  [0x%08lx - 0x%08lx]  %7lu KiB\n", name,
	       (unsigned long)s, (unsigned long)e, (unsigned long)virt_to_phys(start),
	       (unsigned long)virt_to_phys(end), (unsigned long)((e - s + 1023) / 1024));
}

static void print_memory_layout(void)
{
	printk("Kernel memory layout (virtual, [physical]):\n");
	print_range(".text", _stext, _etext);
	print_range(".rodata", _srodata, _erodata);
	print_range(".data", _sdata, _edata);
	print_range("boot_pt", boot_pt_sv39, boot_pt_sv39 + PAGE_SIZE);
	print_range(".bss", _sbss, _ebss);
	print_range("guard", _sstack_guard, _sstack);
	print_range("stack", _sstack, _estack);
	print_range("heap", _sheap, _eheap);
	print_range("image", _skernel, _end);
}

/* main has nothing more to do: it blocks for good and the idle thread waits for work. */
static void __attribute__((noreturn, unused)) park_main_thread(void)
{
	static struct sem parked;

	sem_init(&parked, 0, 1);
	for (;;)
		sem_take(&parked, FOREVER);
}

void kernel_main(unsigned long hartid, uintptr_t dtb_pa)
{
	struct boot_info bi = {.hartid = hartid, .dtb_pa = dtb_pa};

	percpu_init_this_hart(0, hartid);
	console_init();
	printk("\nBora %s (board %s, paging %s, allocator %s, heap %lu KiB, console %s)\n",
	       CONFIG_BORA_VERSION, CONFIG_BOARD, paging_stage_name(), heap_allocator_name(),
	       (unsigned long)(CONFIG_HEAP_SIZE / 1024), console_name());
	printk("Booted on hart %lu, DTB at 0x%lx, satp 0x%016lx\n", hartid, (unsigned long)dtb_pa,
	       csr_read(satp));
	print_memory_layout();

	boot_mm_init(&bi);
	sched_init();
	/* After the memory setup: the PLIC's registers are mapped into the final table. */
	dt_init(dtb_pa);
	arch_isa_check();
	if (*kernel_cmdline())
		printk("Command line: %s\n", kernel_cmdline());
	irq_init();
	timer_init();
	console_rx_init();
	arch_irq_enable();
	smp_init(dtb_pa);
#ifdef CONFIG_USERSPACE
	task_subsystem_init();
#endif

#ifdef CONFIG_KTEST
	{
		int failed;

		/*
		 * The suites written for one hart rely on the order of their
		 * threads on it: main, and by inheritance every thread it
		 * creates, stays on the boot hart; the SMP suites place their
		 * threads with thread_create_on / thread_set_affinity.
		 */
		thread_set_affinity(thread_current(), 1);
		failed = ktest_run_all();

		/* ktest.crash=<kind> asks any test kernel for the crash (tests/kernel/crash.c). */
		if (IS_ENABLED_KTEST_CRASH ||
		    kernel_cmdline_get("ktest.crash", &(const char *){0}, &(size_t){0}) == 0) {
			void ktest_crash(void); /* tests/kernel/crash.c: CONFIG_KTEST_CRASH_* */

			ktest_crash();
		}
		system_poweroff(failed == 0);
	}
#else
	printk("Bora: boot complete\n");
#ifdef CONFIG_USERSPACE
	task_run_init();
#endif
#ifdef CONFIG_SHELL
	shell_start(dtb_pa);
#endif
	park_main_thread();
#endif
}
