// SPDX-License-Identifier: MIT
/*
 * Inter-processor interrupts over SBI IPI (SBI spec chapter 7): the sender
 * sets a request bit in the target's struct percpu, then raises the target's
 * supervisor software interrupt (sip.SSIP, privileged spec 4.1.3). The target
 * clears SSIP before it reads the bits, so a request posted after the read
 * raises SSIP again and is not lost.
 */
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/smp.h>
#include <bora/spinlock.h>
#include <asm/sbi.h>

#include "smp_internal.h"

/* sie.SSIE and sip.SSIP, bit 1 (privileged spec 4.1.3). */
#define SSI_BIT (1UL << 1)

/*
 * One smp_call_function request at a time (call_lock). A request without
 * wait stays posted until every target has run it; the next caller waits for
 * that before reusing the slot.
 */
static spinlock_t call_lock = SPINLOCK_INIT;
static struct {
	smp_call_fn fn;
	void *arg;
	unsigned int remaining; /* targets that have not finished fn */
} call;

static unsigned long ipi_counts[CONFIG_MAX_HARTS][2];

void smp_ipi_init_this_hart(void)
{
	__asm__ volatile("csrs sie, %0" ::"r"(SSI_BIT) : "memory");
}

static bool ssip_pending(void)
{
	unsigned long sip;

	__asm__ volatile("csrr %0, sip" : "=r"(sip));
	return (sip & SSI_BIT) != 0;
}

void smp_ipi_poll(void)
{
	if (ssip_pending())
		ipi_handle();
}

static void __attribute__((noinline)) ipi_run_call(struct percpu *me)
{
	call.fn(call.arg);
	ipi_counts[me->index][1]++;
	__atomic_fetch_sub(&call.remaining, 1, __ATOMIC_RELEASE);
}

void ipi_handle(void)
{
	struct percpu *me = this_cpu();
	unsigned long bits;

	__asm__ volatile("csrc sip, %0" ::"r"(SSI_BIT) : "memory");
	bits = __atomic_exchange_n(&me->ipi_bits, 0, __ATOMIC_ACQUIRE);
	if (unlikely(bits & IPI_CALL))
		ipi_run_call(me);
	if (bits & IPI_RESCHED) {
		ipi_counts[me->index][0]++;
		me->need_resched = true;
	}
}

unsigned long smp_ipi_count(unsigned int index, unsigned long kind)
{
	if (index >= CONFIG_MAX_HARTS)
		return 0;
	return __atomic_load_n(&ipi_counts[index][kind == IPI_CALL], __ATOMIC_RELAXED);
}

long smp_for_each_hart_window(cpumask_t mask,
                              long (*fn)(unsigned long hmask, unsigned long base, void *ctx),
                              void *ctx)
{
	long first_err = 0;

	while (mask) {
		unsigned long base = ~0UL, hmask = 0;
		cpumask_t left = 0;

		/* The lowest hart id left starts the window; ids beyond base + 63 wait. */
		for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++)
			if ((mask & CPUMASK_OF(i)) && smp_hartid(i) < base)
				base = smp_hartid(i);
		for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++) {
			if (!(mask & CPUMASK_OF(i)))
				continue;
			if (smp_hartid(i) - base < 64)
				hmask |= 1UL << (smp_hartid(i) - base);
			else
				left |= CPUMASK_OF(i);
		}
		long err = fn(hmask, base, ctx);
		if (err && !first_err)
			first_err = err;
		mask = left;
	}
	return first_err;
}

static long send_window(unsigned long hmask, unsigned long base, void *ctx)
{
	(void)ctx;
	return sbi_send_ipi(hmask, base);
}

static void send_ipis(cpumask_t mask, unsigned long kind)
{
	long err;

	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++)
		if (mask & CPUMASK_OF(i))
			__atomic_fetch_or(&percpu_harts[i].ipi_bits, kind, __ATOMIC_RELEASE);
	err = smp_for_each_hart_window(mask, send_window, NULL);
	if (err)
		panic("smp: sbi_send_ipi to harts %#llx failed: %s", (unsigned long long)mask,
		      sbi_error_name(err));
}

void smp_send_reschedule(unsigned int index)
{
	if (index >= CONFIG_MAX_HARTS || !(smp_online_mask() & CPUMASK_OF(index)))
		return;
	if (index == smp_this_hart()) {
		this_cpu()->need_resched = true;
		return;
	}
	send_ipis(CPUMASK_OF(index), IPI_RESCHED);
}

static void wait_for_targets(void)
{
	while (__atomic_load_n(&call.remaining, __ATOMIC_ACQUIRE) != 0)
		smp_ipi_poll();
}

unsigned int smp_call_function(cpumask_t mask, smp_call_fn fn, void *arg, bool wait)
{
	cpumask_t self = CPUMASK_OF(smp_this_hart());
	cpumask_t remote;

	mask &= smp_online_mask();
	remote = mask & ~self;
	if (remote) {
		/* Serve requests aimed at this hart while another caller holds the slot. */
		while (!spin_trylock(&call_lock))
			smp_ipi_poll();
		wait_for_targets();
		call.fn = fn;
		call.arg = arg;
		__atomic_store_n(&call.remaining, (unsigned int)__builtin_popcountll(remote),
		                 __ATOMIC_RELEASE);
		send_ipis(remote, IPI_CALL);
		if (!wait)
			spin_unlock(&call_lock);
	}
	if (mask & self)
		fn(arg);
	if (remote && wait) {
		wait_for_targets();
		spin_unlock(&call_lock);
	}
	return (unsigned int)__builtin_popcountll(mask);
}
