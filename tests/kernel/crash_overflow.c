// SPDX-License-Identifier: MIT
/*
 * The stack overflows among the deliberate crashes (tests/kernel/crash.c):
 *
 * thread_overflow: a thread recurses until its frames reach half a page below
 * its stack, then yields and exits. Under the full remap the first store into
 * the unmapped guard page faults and the trap handler panics ("stack overflow
 * in thread 'overflow' (id N): guard page hit"); otherwise the stores run into
 * the guard frame, which stays mapped, and the next switch away from the
 * thread finds the sentinel overwritten. The overflow stays within the guard
 * frame, so nothing else is hit.
 *
 * boot_overflow (CONFIG_PAGING_FULL_REMAP only): the boot stack, which the
 * ktest main thread runs on, recurses into its unmapped guard page.
 */
#include <bora/printk.h>
#include <bora/thread.h>

void crash_thread_overflow(void);
void crash_boot_overflow(void);

static unsigned long __attribute__((noinline)) dig(uintptr_t floor, unsigned long depth)
{
	volatile uint8_t frame[192];

	for (size_t i = 0; i < sizeof(frame); i++) /* a frame in real use is written */
		frame[i] = (uint8_t)depth;
	if ((uintptr_t)frame < floor) {
		thread_yield();
		return frame[0];
	}
	return dig(floor, depth + 1) + frame[0];
}

static void overflow_entry(void *arg)
{
	struct thread *self = thread_current();

	(void)arg;
	printk("ktest: thread '%s' (id %zu) overflows its stack at %#lx\n", self->name, self->id,
	       (unsigned long)self->stack_base);
	dig(self->stack_base - PAGE_SIZE / 2, 0);
}

void crash_thread_overflow(void)
{
	struct thread *t;
	int err =
	    thread_create(&t, overflow_entry, NULL, THREAD_PRIO_DEFAULT - 1, PAGE_SIZE, "overflow");

	if (err) {
		printk("ktest: the overflowing thread could not start (%d)\n", err);
		return;
	}
	thread_join(t, FOREVER);
	printk("ktest: the thread overflowed its stack unnoticed\n");
}

static unsigned long __attribute__((noinline)) recurse(unsigned long depth)
{
	volatile uint8_t frame[256];

	frame[0] = (uint8_t)depth;
	if (depth > (1UL << 20))
		return 0;
	return recurse(depth + 1) + frame[0];
}

void crash_boot_overflow(void)
{
	printk("ktest: deliberate boot stack overflow\n");
	/* Never returns under the full remap: the guard page turns this into a panic. */
	recurse(0);
	printk("ktest: the boot stack overflowed without a fault\n");
}
