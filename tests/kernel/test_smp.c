// SPDX-License-Identifier: MIT
/*
 * SMP across every online hart: bring-up state, smp_call_function, the
 * reschedule IPI, ticket locks under contention, and the remote TLB
 * shootdown. With one hart online they run on it alone (the boot tests use
 * QEMU's default of one hart; tests/system/test_smp.py boots -smp 4 and 8).
 */
#include <bora/frame.h>
#include <bora/ktest.h>
#include <bora/mm.h>
#include <bora/remap.h>
#include <bora/smp.h>
#include <bora/spinlock.h>
#include <bora/sv39.h>
#include <bora/trap.h>
#include <asm/csr.h>

/* A bound on polling loops: far above any real wait, so a lost IPI fails instead of hanging. */
#define SPIN_LIMIT 2000000000UL

static cpumask_t others(void)
{
	return smp_online_mask() & ~CPUMASK_OF(smp_this_hart());
}

KTEST(smp, every_usable_hart_is_online)
{
	cpumask_t online = smp_online_mask();

	KTEST_ASSERT(online & CPUMASK_OF(0));
	KTEST_ASSERT_EQ(smp_this_hart(), 0);
	KTEST_ASSERT_EQ(smp_online_count(), smp_usable_count());
	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++) {
		if (!(online & CPUMASK_OF(i)))
			continue;
		KTEST_ASSERT_EQ(percpu_harts[i].index, i);
		KTEST_ASSERT(percpu_harts[i].self == &percpu_harts[i]);
	}
}

static unsigned int ran_on[CONFIG_MAX_HARTS];
static unsigned long ran_hartid[CONFIG_MAX_HARTS];

static void record_hart(void *arg)
{
	unsigned int me = smp_this_hart();

	(void)arg;
	__atomic_fetch_add(&ran_on[me], 1, __ATOMIC_RELAXED);
	ran_hartid[me] = this_cpu()->hartid;
}

KTEST(smp, call_function_runs_once_on_every_target)
{
	cpumask_t online = smp_online_mask();

	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++)
		ran_on[i] = 0;
	KTEST_ASSERT_EQ(smp_call_function(online, record_hart, NULL, true), smp_online_count());
	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++) {
		KTEST_ASSERT_EQ(ran_on[i], (online & CPUMASK_OF(i)) ? 1 : 0);
		if (online & CPUMASK_OF(i))
			KTEST_ASSERT_EQ(ran_hartid[i], smp_hartid(i));
	}
	/* Only the others this time, without waiting; the next call waits for it. */
	KTEST_ASSERT_EQ(smp_call_function(others(), record_hart, NULL, false),
	                smp_online_count() - 1);
	smp_call_function(others(), record_hart, NULL, true);
	for (unsigned int i = 1; i < CONFIG_MAX_HARTS; i++)
		KTEST_ASSERT_EQ(ran_on[i], (online & CPUMASK_OF(i)) ? 3 : 0);
	KTEST_ASSERT_EQ(ran_on[0], 1);
}

KTEST(smp, call_function_ignores_offline_harts)
{
	cpumask_t offline = ~smp_online_mask();

	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++)
		ran_on[i] = 0;
	KTEST_ASSERT_EQ(smp_call_function(offline, record_hart, NULL, true), 0);
	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++)
		KTEST_ASSERT_EQ(ran_on[i], 0);
}

#ifdef CONFIG_SMP
KTEST(smp, reschedule_ipi_reaches_each_hart)
{
	cpumask_t rest = others();

	for (unsigned int i = 1; i < CONFIG_MAX_HARTS; i++) {
		unsigned long before = smp_ipi_count(i, IPI_RESCHED);
		unsigned long n = 0;

		if (!(rest & CPUMASK_OF(i)))
			continue;
		__atomic_store_n(&percpu_harts[i].need_resched, false, __ATOMIC_RELAXED);
		smp_send_reschedule(i);
		while (smp_ipi_count(i, IPI_RESCHED) == before && ++n < SPIN_LIMIT)
			;
		/* need_resched is set and, by its idle loop running the scheduler, consumed. */
		KTEST_ASSERT_EQ(smp_ipi_count(i, IPI_RESCHED), before + 1);
	}
	this_cpu()->need_resched = false;
	smp_send_reschedule(smp_this_hart());
	KTEST_ASSERT(this_cpu()->need_resched);
	this_cpu()->need_resched = false;
}

#endif

/* ---- ticket locks under contention ------------------------------------------------- */

#define LOCK_ROUNDS 200

static spinlock_t stress_lock = SPINLOCK_INIT;
static unsigned long stress_counter; /* only touched under stress_lock, non-atomically */
static unsigned long stress_inside;  /* harts inside the section at once: must stay 1 */
static unsigned long stress_violations;
static unsigned long stress_done[CONFIG_MAX_HARTS];

static void lock_stress(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < LOCK_ROUNDS; i++) {
		unsigned long flags = spin_lock_irqsave(&stress_lock);

		if (++stress_inside != 1)
			stress_violations++;
		stress_counter++;
		stress_inside--;
		spin_unlock_irqrestore(&stress_lock, flags);
	}
	stress_done[smp_this_hart()] = LOCK_ROUNDS;
}

KTEST(smp, ticket_lock_counts_exactly_on_all_harts)
{
	unsigned int n = smp_online_count();

	stress_counter = stress_inside = stress_violations = 0;
	KTEST_ASSERT_EQ(smp_call_function(smp_online_mask(), lock_stress, NULL, true), n);
	KTEST_ASSERT_EQ(stress_violations, 0);
	KTEST_ASSERT_EQ(stress_counter, (unsigned long)n * LOCK_ROUNDS);
	KTEST_ASSERT(!spin_is_locked(&stress_lock));
	KTEST_ASSERT_EQ(spin_depth(), 0);
	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++)
		if (smp_online_mask() & CPUMASK_OF(i))
			KTEST_ASSERT_EQ(stress_done[i], LOCK_ROUNDS);
}

KTEST(smp, ticket_lock_serves_in_ticket_order)
{
	spinlock_t l = SPINLOCK_INIT;

	KTEST_ASSERT(spin_trylock(&l));
	KTEST_ASSERT_EQ(spin_depth(), 1);
	KTEST_ASSERT(!spin_trylock(&l));
	/* A waiter that took ticket 1 blocks trylock even after the holder leaves. */
	__atomic_fetch_add(&l.ticket.next, 1, __ATOMIC_RELAXED);
	spin_unlock(&l);
	KTEST_ASSERT_EQ(spin_depth(), 0);
	KTEST_ASSERT(spin_is_locked(&l));
	KTEST_ASSERT(!spin_trylock(&l));
	KTEST_ASSERT_EQ(l.ticket.owner, 1);
	/* The waiter's turn ends; the lock is free again. */
	__atomic_store_n(&l.ticket.owner, 2, __ATOMIC_RELEASE);
	KTEST_ASSERT(!spin_is_locked(&l));
}

/* ---- remote TLB shootdown ------------------------------------------------------------ */

#ifdef CONFIG_PAGING_FULL_REMAP
/* Far above the linear map of any RAM this kernel manages: free for a test mapping. */
#define SHOOT_VA (CONFIG_KERNEL_VIRT_OFFSET + (128ULL << 30))

struct shoot {
	uint64_t value;
	struct trap_record fault;
};

static void shoot_read(void *arg)
{
	struct shoot *s = arg;

	s->value = *(volatile uint64_t *)SHOOT_VA;
}

static void shoot_read_expecting_fault(void *arg)
{
	struct shoot *s = arg;

	trap_expect(EXC_LOAD_PAGE_FAULT);
	s->value = *(volatile uint64_t *)SHOOT_VA;
	s->fault = trap_expect_result();
}

/* The mapping, cached in another hart's TLB by a read there, is gone there after the unmap. */
KTEST(smp, unmap_shoots_down_other_harts_tlbs)
{
	struct sv39 *kpt = remap_kernel_table();
	cpumask_t rest = others();
	uintptr_t page;
	struct shoot s;

	KTEST_ASSERT(kpt);
	KTEST_ASSERT_EQ(frame_alloc(1, PAGE_SIZE, &page), 0);
	*(volatile uint64_t *)page = 0x5407d0;
	KTEST_ASSERT_EQ(sv39_map_range(kpt, SHOOT_VA, virt_to_phys((void *)page), PAGE_SIZE,
	                               SV39_PTE_R | SV39_PTE_W | SV39_PTE_G),
	                0);
	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++) {
		if (!(rest & CPUMASK_OF(i)))
			continue;
		s = (struct shoot){0};
		smp_call_function(CPUMASK_OF(i), shoot_read, &s, true);
		KTEST_ASSERT_EQ(s.value, 0x5407d0);
	}
	KTEST_ASSERT_EQ(sv39_unmap_range(kpt, SHOOT_VA, PAGE_SIZE), 0);
	for (unsigned int i = 0; i < CONFIG_MAX_HARTS; i++) {
		if (!(rest & CPUMASK_OF(i)))
			continue;
		s = (struct shoot){0};
		smp_call_function(CPUMASK_OF(i), shoot_read_expecting_fault, &s, true);
		KTEST_ASSERT(s.fault.hit);
		KTEST_ASSERT_EQ(s.fault.stval, SHOOT_VA);
	}
	s = (struct shoot){0};
	shoot_read_expecting_fault(&s);
	KTEST_ASSERT(s.fault.hit);
	KTEST_ASSERT_EQ(frame_free(page, 1), 0);
}
#endif
