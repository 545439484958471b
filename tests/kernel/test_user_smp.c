// SPDX-License-Identifier: MIT
/*
 * User address spaces on several harts (issue 13): a space takes an ASID of
 * each hart it runs on, and a leaf it loses is fenced on every hart that ran
 * it, under the ASID it has there, so the next access from any of them
 * faults instead of reading a frame that may already belong to someone else.
 */
#include <bora/aspace.h>
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/remap.h>
#include <bora/irqflags.h>
#include <bora/smp.h>
#include <bora/task.h>
#include <bora/thread.h>
#include <bora/trap.h>
#include <asm/csr.h>

#if defined(CONFIG_SMP) && defined(CONFIG_USERSPACE)

#define SHOT_VA     (USER_VA_START + 0x40000)
#define SHOT_MARKER 0x5ec0dedULL

struct reader {
	struct aspace *as;
	unsigned int loaded;   /* the reader has the page in its TLB */
	unsigned int unmapped; /* the boot hart took it away */
	unsigned int hart;
	uint64_t before, after;
	struct trap_record fault;
};

/*
 * On the other hart, interrupts off and sstatus.SUM held from the first read
 * to the second (QEMU drops its whole TLB when SUM changes, which would hide
 * a missing fence; copy_from_user toggles it). The unmap's fence arrives as
 * an SBI RFENCE, which the firmware takes in M-mode whatever S-mode masks.
 */
static void reader_main(void *arg)
{
	struct reader *r = arg;
	unsigned long flags;

	aspace_activate(r->as);
	flags = arch_irq_save();
	r->hart = smp_this_hart();
	__asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SUM) : "memory");
	r->before = *(volatile uint64_t *)SHOT_VA;
	__atomic_store_n(&r->loaded, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->unmapped, __ATOMIC_ACQUIRE))
		;
	trap_expect(EXC_LOAD_PAGE_FAULT);
	r->after = *(volatile uint64_t *)SHOT_VA;
	r->fault = trap_expect_result();
	__asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SUM) : "memory");
	arch_irq_restore(flags);
	aspace_activate(NULL);
}

static bool wait_flag(unsigned int *flag)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			return true;
		thread_sleep(TIMEOUT_MS(1));
	}
	return false;
}

static void shoot_on(struct ktest_ctx *ktest_ctx__, unsigned int hart, struct aspace *as,
                     struct sv39_env *env)
{
	uint64_t marker = SHOT_MARKER + hart;
	struct uspace_stats st0, st1;
	struct reader r = {.as = as};
	struct thread *th;

	*env = *uspace_env();
	env->ctx = as;
	KTEST_ASSERT_EQ(aspace_init(as, env, remap_kernel_table()), 0);
	KTEST_ASSERT_EQ(aspace_map_anon(as, SHOT_VA, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	KTEST_ASSERT_EQ(aspace_write(as, SHOT_VA, &marker, sizeof(marker)), 0);
	KTEST_ASSERT_EQ(ktest_thread_create_on(&th, reader_main, &r, THREAD_PRIO_DEFAULT, 0,
	                                       "shot_reader", CPUMASK_OF(hart)),
	                0);
	KTEST_ASSERT(wait_flag(&r.loaded));
	KTEST_ASSERT_EQ(r.hart, hart);
	KTEST_ASSERT_EQ(r.before, marker);
	/* Only the reader's hart ran the space: the mask says so, and only it is fenced. */
	KTEST_ASSERT_EQ(as->harts, CPUMASK_OF(hart));
	uspace_stats(&st0);
	KTEST_ASSERT(st0.asids < 2 || as->asid[hart].asid != 0);
	KTEST_ASSERT_EQ(aspace_unmap(as, SHOT_VA, PAGE_SIZE), 0);
	uspace_stats(&st1);
	KTEST_ASSERT(st1.remote_fences > st0.remote_fences);
	__atomic_store_n(&r.unmapped, 1, __ATOMIC_RELEASE);
	KTEST_ASSERT_EQ(thread_join(th, FOREVER), 0);
	/* The stale entry would have read the freed frame, which still holds the marker. */
	KTEST_ASSERT(r.fault.hit);
	KTEST_ASSERT_EQ(r.fault.stval, SHOT_VA);
	aspace_release_asid(as);
	aspace_destroy(as);
}

KTEST(smp_user, unmap_fences_each_hart_that_ran_the_space)
{
	cpumask_t online = smp_online_mask() & ~CPUMASK_OF(smp_this_hart());
	struct sv39_env env;
	struct aspace as;

	if (!online)
		KTEST_SKIP("needs 2 online harts; this boot has 1");
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++)
		if (online & CPUMASK_OF(i))
			shoot_on(ktest_ctx__, i, &as, &env);
}

#endif
