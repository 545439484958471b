// SPDX-License-Identifier: MIT
/*
 * The trap path's short interrupt entry (arch/riscv/trap_entry.S): an
 * interrupt taken in S-mode saves only what C code may clobber, so these
 * tests fill every register with a known value, take an interrupt and check
 * that each one came back, both when the handler returns at once and when
 * the interrupt's exit switches to another thread and back. A thread
 * preempted in an interrupt and resumed on another hart must come back
 * with that hart's tp (percpu pointer), not the one its frame was saved on.
 */
#include <bora/irq.h>
#include <bora/irqflags.h>
#include <bora/ktest.h>
#include <bora/percpu.h>
#include <bora/sem.h>
#include <bora/smp.h>
#include <bora/printk.h>
#include <bora/thread.h>
#include <bora/timer.h>

#include "sched_util.h"

#define SIE_SSIE (1UL << 1)
/* The value register x<i> holds across the interrupt. */
#define PATTERN(i) (0x5a00000000000000ULL | ((uint64_t)(i) << 40) | ((uint64_t)(i)*0x01010101ULL))

/*
 * void trap_regs_probe(uint64_t out[32]), called with interrupts off: raises
 * this hart's software interrupt (pending, not yet taken), loads PATTERN(i)
 * into every x<i> but sp and tp, turns interrupts on so the interrupt is
 * taken right there, and stores every register into out[] (out[2] and
 * out[4] are left as they were). The callee-saved registers, ra and gp are
 * restored before it returns; interrupts stay on.
 */
__asm__(".pushsection .text.trap_regs_probe, \"ax\", @progbits\n"
        ".balign 4\n"
        "trap_regs_probe:\n"
        "	addi sp, sp, -128\n"
        "	sd ra, 0(sp)\n"
        "	sd gp, 8(sp)\n"
        "	sd s0, 16(sp)\n"
        "	sd s1, 24(sp)\n"
        "	sd s2, 32(sp)\n"
        "	sd s3, 40(sp)\n"
        "	sd s4, 48(sp)\n"
        "	sd s5, 56(sp)\n"
        "	sd s6, 64(sp)\n"
        "	sd s7, 72(sp)\n"
        "	sd s8, 80(sp)\n"
        "	sd s9, 88(sp)\n"
        "	sd s10, 96(sp)\n"
        "	sd s11, 104(sp)\n"
        "	sd a0, 112(sp)\n"
        "	li t0, 2\n"
        "	csrs sip, t0\n"
        ".irp r,1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "	li x\\r, 0x5a00000000000000 | (\\r << 40) | (\\r * 0x01010101)\n"
        ".endr\n"
        "	csrsi sstatus, 2\n"
        "	addi sp, sp, -256\n"
        ".irp r,1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "	sd x\\r, (\\r * 8)(sp)\n"
        ".endr\n"
        "	ld a0, (256 + 112)(sp)\n"
        "	li t0, 0\n"
        "1:	add t1, sp, t0\n"
        "	ld t2, 0(t1)\n"
        "	add t1, a0, t0\n"
        "	sd t2, 0(t1)\n"
        "	addi t0, t0, 8\n"
        "	li t1, 256\n"
        "	bltu t0, t1, 1b\n"
        "	addi sp, sp, 256\n"
        "	ld ra, 0(sp)\n"
        "	ld gp, 8(sp)\n"
        "	ld s0, 16(sp)\n"
        "	ld s1, 24(sp)\n"
        "	ld s2, 32(sp)\n"
        "	ld s3, 40(sp)\n"
        "	ld s4, 48(sp)\n"
        "	ld s5, 56(sp)\n"
        "	ld s6, 64(sp)\n"
        "	ld s7, 72(sp)\n"
        "	ld s8, 80(sp)\n"
        "	ld s9, 88(sp)\n"
        "	ld s10, 96(sp)\n"
        "	ld s11, 104(sp)\n"
        "	addi sp, sp, 128\n"
        "	ret\n"
        ".popsection\n");
void trap_regs_probe(uint64_t out[32]);

/* Registers that differ from their pattern, as a bit mask (bit i: x<i>). */
static uint32_t probe(void)
{
	uint64_t out[32] = {0};
	uint64_t soft0 = irq_cause_count(IRQ_CAUSE_S_SOFT);
	uint32_t bad = 0;
	unsigned long flags;

	__asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE) : "memory");
	flags = arch_irq_save();
	trap_regs_probe(out);
	arch_irq_restore(flags);
	for (int i = 1; i < 32; i++)
		if (i != 2 && i != 4 && out[i] != PATTERN(i))
			bad |= 1u << i;
	/* The interrupt was taken (in the probe: it was pending when interrupts came on). */
	if (irq_cause_count(IRQ_CAUSE_S_SOFT) == soft0)
		bad |= 1u;
	return bad;
}

KTEST(trap_path, registers_survive_an_interrupt)
{
	KTEST_ASSERT(arch_irqs_enabled());
	for (int i = 0; i < 8; i++)
		KTEST_ASSERT_EQ(probe(), 0);
}

static struct sem wake, done;
static volatile unsigned long scribbles;

/* Runs between the interrupt and its return: every register of its own. */
static void scribbler(void *arg)
{
	(void)arg;
	while (sem_take(&wake, FOREVER) == 0) {
		/* Every register C lets it change but the frame pointer s0. */
		__asm__ volatile(
		    ".irp r,1,5,6,7,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
		    "27,28,29,30,31\n"
		    "	li x\\r, -1\n"
		    ".endr\n" ::
		        : "ra", "t0", "t1", "t2", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6",
		          "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3",
		          "t4", "t5", "t6", "memory");
		scribbles++;
		sem_give(&done);
	}
}

KTEST(trap_path, registers_survive_a_switch_at_interrupt_exit)
{
	struct thread *t;
	unsigned long before;

	if (!TEST_PREEMPT)
		KTEST_SKIP("cooperative: an interrupt's exit does not switch");
	sem_init(&wake, 0, 1);
	sem_init(&done, 0, 1);
	scribbles = 0;
	KTEST_ASSERT_EQ(ktest_thread_create(&t, scribbler, NULL, ABOVE_MAIN(1), 0, "scribbler"), 0);
	thread_yield(); /* blocked on wake */
	for (int i = 0; i < 8; i++) {
		unsigned long flags = arch_irq_save();

		before = scribbles;
		/* Interrupts off: the give only asks for the switch, the probe's interrupt makes
		 * it. */
		KTEST_ASSERT_EQ(sem_give(&wake), 0);
		KTEST_ASSERT_EQ(scribbles, before);
		arch_irq_restore(flags);
		/* arch_irq_restore itself is no preemption point: the switch waits for the probe.
		 */
		KTEST_ASSERT_EQ(probe(), 0);
		KTEST_ASSERT_EQ(scribbles, before + 1);
		KTEST_ASSERT_EQ(sem_take(&done, NO_WAIT), 0);
	}
	sem_destroy(&wake);
	KTEST_ASSERT_EQ(thread_join(t, FOREVER), 0);
}

#ifdef CONFIG_SMP
/*
 * More busy threads than harts, allowed on every hart: time slices end at
 * timer interrupts, so they are preempted at an interrupt's exit, and each
 * naps now and then, leaving its hart idle to steal a queued one from a
 * busier hart. Each checks all along that tp is the percpu of the hart
 * running it (whose current is the thread itself).
 */
#define SPIN_EXTRA 2
static volatile bool stop;
static volatile unsigned long tp_wrong, spins, hart_moves;

static void spinner(void *arg)
{
	struct thread *me = thread_current();
	unsigned int hart = this_cpu()->index;

	(void)arg;
	while (!stop) {
		uint64_t until = timer_now() + timer_ms_to_ticks(25);

		while (!stop && timer_now() < until) {
			/* Interrupts off: no preemption between reading tp and what it points at.
			 */
			unsigned long flags = arch_irq_save();
			struct percpu *cpu = this_cpu();

			if (cpu->current != me)
				__atomic_fetch_add(&tp_wrong, 1, __ATOMIC_RELAXED);
			if (cpu->index != hart) {
				hart = cpu->index;
				__atomic_fetch_add(&hart_moves, 1, __ATOMIC_RELAXED);
			}
			arch_irq_restore(flags);
			__atomic_fetch_add(&spins, 1, __ATOMIC_RELAXED);
		}
		thread_sleep(TIMEOUT_MS(2));
	}
}

KTEST(trap_path, tp_follows_a_thread_resumed_on_another_hart)
{
	struct thread *s[CONFIG_MAX_HARTS + SPIN_EXTRA];
	unsigned int n = smp_online_count() + SPIN_EXTRA;

	if (smp_online_count() < 2)
		KTEST_SKIP("one hart online");
	if (!TEST_PREEMPT)
		KTEST_SKIP("cooperative: spinners are never preempted");
	stop = false;
	tp_wrong = spins = hart_moves = 0;
	for (unsigned int i = 0; i < n; i++)
		KTEST_ASSERT_EQ(ktest_thread_create_on(&s[i], spinner, NULL, BELOW_MAIN(1), 0,
		                                       "spinner", smp_online_mask()),
		                0);
	thread_sleep(TIMEOUT_MS(500));
	stop = true;
	for (unsigned int i = 0; i < n; i++)
		KTEST_ASSERT_EQ(thread_join(s[i], FOREVER), 0);
	printk("trap_path: %lu checks, %lu moves between harts\n", spins, hart_moves);
	KTEST_ASSERT(spins > 0);
	KTEST_ASSERT_EQ(tp_wrong, 0);
}
#endif
