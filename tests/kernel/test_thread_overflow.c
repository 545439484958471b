// SPDX-License-Identifier: MIT
/*
 * CONFIG_KTEST_THREAD_STACK_OVERFLOW: a thread recurses until its frames
 * reach half a page below its stack, then yields and exits. Under the full remap the
 * first store into the unmapped guard page faults and the trap handler
 * panics ("stack overflow in thread 'overflow' (id N): guard page hit");
 * otherwise the stores run into the guard frame, which stays mapped, and
 * the next switch away from the thread finds the sentinel overwritten.
 * The overflow stays within the guard frame, so nothing else is hit.
 */
#ifdef CONFIG_KTEST_THREAD_STACK_OVERFLOW

#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/thread.h>

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

KTEST(thread_overflow, overflow_is_caught_and_named)
{
	struct thread *t;

	KTEST_ASSERT_EQ(
	    thread_create(&t, overflow_entry, NULL, THREAD_PRIO_DEFAULT - 1, PAGE_SIZE, "overflow"),
	    0);
	thread_join(t, FOREVER);
	KTEST_ASSERT(!"the thread overflowed its stack unnoticed");
}

#endif
