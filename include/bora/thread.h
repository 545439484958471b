/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads.
 *
 * A thread runs `entry(arg)` on its own stack at a priority (0 highest,
 * CONFIG_NUM_PRIORITIES-1 lowest) until it returns or calls thread_exit();
 * another thread then reaps it with thread_join(). Stacks are whole frames
 * from the frame allocator with one guard page below: unmapped under
 * CONFIG_PAGING_FULL_REMAP (an overflow faults and the trap handler panics
 * naming the thread), and with CONFIG_THREAD_STACK_SENTINEL a sentinel word at
 * the stack's bottom is checked at every switch. The stack is filled with a
 * pattern at creation so `ps` can report the high-water mark.
 *
 * kernel_main becomes the thread "main" on the boot stack (sched_init()); each
 * hart has an "idle" thread that runs only when nothing else is ready.
 */
#ifndef BORA_THREAD_H
#define BORA_THREAD_H

#include <bora/list.h>
#include <bora/sched_queue.h>
#include <bora/types.h>
#include <bora/wait.h>
#include <bora/timeout.h>

#define THREAD_NAME_MAX 16 /* NUL included */

enum thread_state {
	THREAD_READY,    /* on a run queue */
	THREAD_RUNNING,  /* some hart's current thread */
	THREAD_BLOCKED,  /* on a wait queue (wait_what says which kind) */
	THREAD_SLEEPING, /* thread_sleep() until a deadline */
	THREAD_DEAD,     /* exited, waiting to be joined */
};

/* Saved by arch/riscv/switch.S: the callee-saved registers of the psABI. */
struct thread_context {
	uint64_t ra;
	uint64_t sp;
	uint64_t s[12];
};

struct ipc_kthread;
struct mutex;
struct task;

struct thread {
	struct thread_context ctx; /* first: switch.S addresses it directly */
	uintptr_t stack_base;      /* lowest usable byte (trap_entry.S reads it) */
	size_t stack_size;         /* usable bytes above stack_base */
	struct runq_node rq_node;  /* rq_node.prio is the effective priority */
	unsigned int base_prio;    /* the priority asked for; effective may be higher (PI) */
	enum thread_state state;
	unsigned int hart;  /* index of the hart it is queued on, runs on or last ran on */
	uint64_t affinity;  /* harts (bit i: hart index i) it may run on (thread_set_affinity) */
	unsigned int flags; /* THREAD_F_* */
	/*
	 * SMP (docs/smp.md): set while a hart runs the thread, from its switch-in
	 * until its registers are saved at the switch-out (cleared in
	 * sched_finish_switch), so no other hart resumes it before that.
	 */
	uint8_t on_cpu;
	bool migrate; /* its hart left its affinity: move it at the next switch or wake-up */
	size_t id;
	char name[THREAD_NAME_MAX];

	/* Blocking: under the scheduler lock. */
	struct wait_queue *wait_on; /* the queue it is on while BLOCKED */
	struct list_node wait_link;
	const char *wait_what;         /* "mutex", "sem", "msgq", "join" ... for ps */
	int wait_result;               /* what the waker (or the timeout) says */
	void *wait_data;               /* the object's hand-over slot (msgq) */
	struct timeout timeout;        /* sleep and timed waits */
	bool wakeup_armed;             /* timeout armed for the current wait (sched_time.c) */
	unsigned int wakeup_stale;     /* expiries already running that must not wake it */
	struct mutex *blocked_mutex;   /* the mutex it waits for, for priority inheritance */
	struct list_node held_mutexes; /* struct mutex.held_link of every mutex it owns */
	bool timeslice_expired;
	uint64_t slice_used; /* ticks of its time slice used before a preemption cut it short */

	void (*entry)(void *arg);
	void *arg;
	struct task
	    *task; /* the user task it runs for (CONFIG_USERSPACE), NULL for kernel threads */
	struct ipc_kthread *ipc; /* its IPC state (kernel/ipc.c), NULL until it uses IPC */
	struct wait_queue joiners;
	bool joining; /* someone is in thread_join on it */

	uint64_t runtime_ticks; /* timer ticks spent running */
	uint64_t switches;      /* times switched in */
};

#define THREAD_F_IDLE       (1u << 0)
#define THREAD_F_BOOT_STACK (1u << 1) /* main: the linker's boot stack, never freed */

/* Default priority (main, the shell, threads without a particular need). */
#define THREAD_PRIO_DEFAULT (CONFIG_NUM_PRIORITIES / 2)
#define THREAD_PRIO_LOWEST  (CONFIG_NUM_PRIORITIES - 1)

/*
 * Create a thread and make it ready. stack_size 0 means
 * CONFIG_THREAD_STACK_SIZE; sizes round up to whole pages. A newly ready
 * thread of higher priority than the caller runs at once (CONFIG_PREEMPT).
 * 0 and *out, or -EINVAL (no entry, priority out of range, stack larger than
 * 1 MiB, no name), -ENOMEM (no frames or memory), -EBUSY (CONFIG_MAX_THREADS
 * reached), -EIRQCTX (called from an interrupt handler).
 */
int thread_create(struct thread **out, void (*entry)(void *arg), void *arg, unsigned int priority,
                  size_t stack_size, const char *name);

/*
 * thread_create's thread may run on the harts its creator may (its affinity
 * is copied). thread_create_on gives it `affinity` instead (bit i: hart
 * index i; see thread_set_affinity): restricted from the start to the harts in `affinity`
 * (bit i: hart index i; see thread_set_affinity). -EINVAL also when no
 * online hart is in it.
 */
int thread_create_on(struct thread **out, void (*entry)(void *arg), void *arg,
                     unsigned int priority, size_t stack_size, const char *name, uint64_t affinity);

/*
 * Let t run only on the harts in `mask` (bit i: hart index i); new threads
 * may run anywhere. Respected at once: a ready thread queued on a hart
 * outside the mask moves, a running one is preempted there and moves (the
 * caller itself returns already on an allowed hart; a thread running on
 * another hart moves at its next preemption point, in cooperative builds at
 * its next yield or block), a waiting one is placed on an allowed hart when
 * it wakes. 0, or -EINVAL (t NULL or an idle thread, no online hart in mask),
 * -EIRQCTX (for the current thread from an interrupt handler).
 */
int thread_set_affinity(struct thread *t, uint64_t mask);

uint64_t thread_get_affinity(const struct thread *t);

/* End the calling thread; its joiner is woken. Returning from entry does the same. */
void thread_exit(void) __attribute__((noreturn));

/*
 * Wait for t to exit, then free its stack, id and struct (t is invalid after 0).
 * 0; -ETIMEDOUT / -EAGAIN (timeout, NO_WAIT: t still runs, nothing freed);
 * -EDEADLK (t is the caller); -EINVAL (t is main or idle, or another thread
 * already joins it); -EIRQCTX.
 */
int thread_join(struct thread *t, k_timeout_t timeout);

/*
 * Block for at least `timeout` (rounded up to a tick). 0 when the time passed;
 * -EINVAL for FOREVER, -EIRQCTX from an interrupt handler. NO_WAIT yields.
 */
int thread_sleep(k_timeout_t timeout);

/* Give the CPU to the next ready thread of the same or higher priority, if any. */
void thread_yield(void);

struct thread *thread_current(void);

/* Set the base priority; the effective one follows unless a mutex holds it higher. */
int thread_set_priority(struct thread *t, unsigned int priority);

const char *thread_state_name(enum thread_state s);

/* What `ps` prints, copied under the lock so the thread may run on meanwhile. */
struct thread_info {
	size_t id;
	char name[THREAD_NAME_MAX];
	unsigned int prio, base_prio;
	enum thread_state state;
	const char *wait_what;
	unsigned int hart;
	uint64_t runtime_ticks;
	uint64_t switches;
	size_t stack_used, stack_size;
};

/* Info of the live thread with the smallest id >= *cursor; advances *cursor. false at the end. */
bool thread_info_next(size_t *cursor, struct thread_info *info);

/* Bytes of t's stack ever written (from the fill pattern). */
size_t thread_stack_used(const struct thread *t);

/* Live threads (created and not yet reaped), idle and main included. */
size_t thread_count(void);

/* addr lies on the running thread's stack (backtraces walk it); false before threads exist. */
bool thread_stack_contains(uintptr_t addr);

/* The thread whose guard page contains addr, or NULL (trap handler's overflow report). */
struct thread *thread_guard_owner(uintptr_t addr);

#endif
