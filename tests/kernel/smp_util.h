/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the suites that spread threads over the harts (test_smp_sched.c,
 * test_smp_stress.c, test_smp_soak.c). main, the ktest thread, stays pinned
 * to the boot hart (kernel/main.c); these suites place their threads with
 * thread_create_on.
 */
#ifndef TESTS_KERNEL_SMP_UTIL_H
#define TESTS_KERNEL_SMP_UTIL_H

#include <bora/smp.h>
#include <bora/thread.h>

/*
 * A bound on busy-wait loops, far above any real wait (a few seconds of
 * QEMU even with 8 vCPUs on 2 host cores): a lost wake-up or IPI ends as a
 * failure instead of a hang. Never a measure of speed.
 */
#define SMP_SPIN_LIMIT 2000000000UL

static inline uint64_t hart_bit(unsigned int i)
{
	return 1ULL << i;
}

/* The n-th online hart (0-based, by index), or the last one if fewer are online. */
static inline unsigned int smp_nth_online(unsigned int n)
{
	cpumask_t online = smp_online_mask();
	unsigned int last = 0;

	for (unsigned int i = 0; i < 64; i++) {
		if (!(online & hart_bit(i)))
			continue;
		last = i;
		if (n-- == 0)
			break;
	}
	return last;
}

static inline unsigned int load_acquire_uint(const unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_release_uint(unsigned int *p, unsigned int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Busy-wait (no yield: the waiter keeps its hart) until *p != 0; false at the bound. */
static inline bool spin_until_set(const unsigned int *p)
{
	for (unsigned long n = 0; n < SMP_SPIN_LIMIT; n++)
		if (load_acquire_uint(p))
			return true;
	return false;
}

/* From main: sleep a tick at a time until *p != 0; false after `ticks` sleeps. */
static inline bool sleep_until_set(const unsigned int *p, unsigned long ticks)
{
	for (unsigned long n = 0; n < ticks; n++) {
		if (load_acquire_uint(p))
			return true;
		thread_sleep(TIMEOUT_MS(1));
	}
	return load_acquire_uint(p) != 0;
}

#endif
