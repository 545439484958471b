// SPDX-License-Identifier: MIT
/*
 * The deliberate fault a test kernel takes after the suites (kernel/main.c) when
 * built with CONFIG_KTEST_CRASH or booted with "ktest.crash=<kind>": the kind the
 * command line names, else the configured CONFIG_KTEST_CRASH_* choice, so
 * tests/system/test_faults.py and test_boards.py can
 * check that each produces a report a person can act on: the cause by name, the
 * faulting address in stval, the registers and a backtrace that
 * scripts/symbolize.sh turns into function names.
 *
 * Each kind is a noinline function that announces the fault and reports if it
 * did not happen. Those printk calls give it an ordinary frame (ra saved), as
 * almost every faulting kernel function has: the backtrace walks frame
 * pointers, and a leaf function saves no return address to walk through.
 */
#include <bora/cmdline.h>
#include <bora/printk.h>
#include <bora/string.h>
#include <bora/types.h>

/* VPN[2] index 1 (0x4000_0000): neither the boot table nor the remap maps it. */
#define UNMAPPED_VA 0x40000100UL

static void announce(const char *what, uintptr_t addr)
{
	printk("ktest: deliberate %s at %#lx\n", what, (unsigned long)addr);
}

/* Inlined, so the empty asm after the call keeps it from being a tail call: the
 * frame must stay intact until after the fault. */
static inline __attribute__((always_inline)) void survived(const char *what)
{
	printk("ktest: the deliberate %s did not fault\n", what);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void crash_illegal_instruction(void)
{
	announce("illegal instruction", 0);
	__asm__ volatile("unimp" ::: "memory");
	survived("illegal instruction");
}

static __attribute__((noinline)) void crash_misaligned_amo(void)
{
	static uint64_t words[2];
	uintptr_t addr = (uintptr_t)words + 2;
	uint32_t old;

	announce("misaligned AMO", addr);
	/* An AMO must be naturally aligned (unprivileged spec, "A" extension). */
	__asm__ volatile("amoswap.w %0, %1, (%2)" : "=r"(old) : "r"(1u), "r"(addr) : "memory");
	survived("misaligned AMO");
	(void)old;
}

static __attribute__((noinline)) void crash_load_page_fault(void)
{
	announce("load", UNMAPPED_VA);
	(void)*(volatile uint64_t *)UNMAPPED_VA;
	survived("load");
}

static __attribute__((noinline)) void crash_store_page_fault(void)
{
	announce("store", UNMAPPED_VA);
	*(volatile uint64_t *)UNMAPPED_VA = 0xdead;
	survived("store");
}

static __attribute__((noinline)) void crash_fetch_page_fault(void)
{
	void (*volatile target)(void) = (void (*)(void))UNMAPPED_VA;

	announce("call", UNMAPPED_VA);
	target();
	survived("call");
}

/* tests/kernel/crash_overflow.c */
void crash_thread_overflow(void);
void crash_boot_overflow(void);

enum crash_kind {
	CRASH_ILLEGAL,
	CRASH_MISALIGNED,
	CRASH_LOAD,
	CRASH_STORE,
	CRASH_FETCH,
	CRASH_THREAD_OVERFLOW,
	CRASH_BOOT_OVERFLOW,
};

#if defined(CONFIG_KTEST_CRASH_MISALIGNED)
#define CRASH_KIND CRASH_MISALIGNED
#elif defined(CONFIG_KTEST_CRASH_LOAD_FAULT)
#define CRASH_KIND CRASH_LOAD
#elif defined(CONFIG_KTEST_CRASH_STORE_FAULT)
#define CRASH_KIND CRASH_STORE
#elif defined(CONFIG_KTEST_CRASH_FETCH_FAULT)
#define CRASH_KIND CRASH_FETCH
#elif defined(CONFIG_KTEST_CRASH_THREAD_OVERFLOW)
#define CRASH_KIND CRASH_THREAD_OVERFLOW
#elif defined(CONFIG_KTEST_CRASH_BOOT_STACK_OVERFLOW)
#define CRASH_KIND CRASH_BOOT_OVERFLOW
#else
#define CRASH_KIND CRASH_ILLEGAL
#endif

static void (*const crashes[])(void) = {
    [CRASH_ILLEGAL] = crash_illegal_instruction, [CRASH_MISALIGNED] = crash_misaligned_amo,
    [CRASH_LOAD] = crash_load_page_fault,        [CRASH_STORE] = crash_store_page_fault,
    [CRASH_FETCH] = crash_fetch_page_fault,      [CRASH_THREAD_OVERFLOW] = crash_thread_overflow,
    [CRASH_BOOT_OVERFLOW] = crash_boot_overflow,
};

static const char *const crash_names[] = {
    [CRASH_ILLEGAL] = "illegal",
    [CRASH_MISALIGNED] = "misaligned",
    [CRASH_LOAD] = "load",
    [CRASH_STORE] = "store",
    [CRASH_FETCH] = "fetch",
    [CRASH_THREAD_OVERFLOW] = "thread_overflow",
    [CRASH_BOOT_OVERFLOW] = "boot_overflow",
};

/*
 * "ktest.crash=<name>" on the command line picks the kind at boot, so one
 * kernel serves every kind; without it, the configured CONFIG_KTEST_CRASH_*.
 */
static enum crash_kind crash_kind(void)
{
	const char *val;
	size_t vlen;

	if (kernel_cmdline_get("ktest.crash", &val, &vlen) != 0)
		return CRASH_KIND;
	for (size_t k = 0; k < ARRAY_SIZE(crash_names); k++) {
		if (strlen(crash_names[k]) != vlen || memcmp(crash_names[k], val, vlen) != 0)
			continue;
#ifndef CONFIG_PAGING_FULL_REMAP
		if (k == CRASH_BOOT_OVERFLOW) {
			printk(
			    "ktest: ktest.crash=boot_overflow needs CONFIG_PAGING_FULL_REMAP (no "
			    "guard page under the boot stack here); taking the configured %s\n",
			    crash_names[CRASH_KIND]);
			return CRASH_KIND;
		}
#endif
		return (enum crash_kind)k;
	}
	printk("ktest: ktest.crash=%.*s is not illegal, misaligned, load, store, fetch, "
	       "thread_overflow or boot_overflow; taking the configured %s\n",
	       (int)vlen, val, crash_names[CRASH_KIND]);
	return CRASH_KIND;
}

void ktest_crash(void);

void ktest_crash(void)
{
	crashes[crash_kind()]();
}
