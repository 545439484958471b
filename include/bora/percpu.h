/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data. Each hart's `tp` register holds a pointer to its struct
 * percpu while it runs kernel code (the psABI leaves tp to the runtime; a
 * freestanding kernel without TLS owns it). kernel_main sets it for the boot
 * hart before anything else; secondary harts set it in their entry code.
 *
 * Subsystems add their per-hart fields here rather than keeping arrays
 * indexed by hart id, so one load from tp reaches all of them.
 */
#ifndef BORA_PERCPU_H
#define BORA_PERCPU_H

#include <bora/sched_queue.h>
#include <bora/spinlock_types.h>
#include <bora/types.h>

#ifndef CONFIG_MAX_HARTS
#define PERCPU_MAX_HARTS 1
#else
#define PERCPU_MAX_HARTS CONFIG_MAX_HARTS
#endif

struct thread;
struct timeout;
struct uspace_hart;

struct percpu {
	struct percpu *self;        /* first: trap entry code may load it through tp */
	unsigned long hartid;       /* the hart's id as the firmware numbers it */
	unsigned int index;         /* 0 .. PERCPU_MAX_HARTS-1, dense */
	unsigned int irq_nesting;   /* > 0 while an interrupt handler runs */
	struct thread *current;     /* the thread running on this hart */
	struct thread *idle;        /* this hart's idle thread */
	bool need_resched;          /* switch at the next preemption point */
	bool in_timer;              /* in the timer interrupt's handler (drivers/timer/) */
	uint64_t switched_at;       /* time CSR at the last switch here (runtime accounting) */
	uintptr_t user_frame;       /* U-mode's frame (trap_entry.S: sscratch = &percpu there) */
	uintptr_t user_sp;          /* the user's sp while trap_entry.S saves it */
	spinlock_t runq_lock;       /* the run queue; see <bora/sched.h> for the order */
	struct runq runq;           /* this hart's ready threads */
	unsigned int spin_depth;    /* spinlocks this hart holds (<bora/spinlock.h>) */
	unsigned long ipi_bits;     /* IPI_* requests other harts raised (kernel/smp/ipi.c) */
	struct timeout *slice;      /* this hart's time-slice timeout (kernel/sched_time.c) */
	struct thread *moving;      /* switched away from to leave this hart (kernel/sched.c) */
	struct thread *woken;       /* readied by this hart's timer, run at its exit (sched_handoff.c) */
	struct uspace_hart *uspace; /* this hart's ASID allocator (kernel/user/uspace.c) */
};

extern struct percpu percpu_harts[PERCPU_MAX_HARTS];

#ifdef BORA_HOST
/* Host builds (unit tests) have one "hart": the test process. */
static inline struct percpu *this_cpu(void)
{
	return &percpu_harts[0];
}
#else
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("mv %0, tp" : "=r"(p));
	return p;
}
#endif

static inline bool in_interrupt(void)
{
	return this_cpu()->irq_nesting != 0;
}

/* Point tp at slot `index` for the calling hart and fill in its identity. */
void percpu_init_this_hart(unsigned int index, unsigned long hartid);

#endif
