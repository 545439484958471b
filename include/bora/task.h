/* SPDX-License-Identifier: MIT */
/*
 * Tasks (CONFIG_USERSPACE): an address space, the threads running in it and,
 * for IPC, a handle table. A task is created from an embedded program
 * (user/programs/<name>.c) with arguments, runs in U-mode, and ends by
 * SYS_EXIT, by a fault (reported and killed) or by SYS_KILL / the shell's
 * `kill`; its parent collects the exit status with SYS_WAIT, which frees
 * what is left.
 *
 * Every thread of a task is a kernel thread (<bora/thread.h>, t->task set)
 * whose stack takes its traps and system calls; the scheduler's switch hook
 * (task_switch_mm) puts the task's address space in satp. A task ends when its
 * last thread leaves: exit and faults mark the task dying, and every other
 * thread leaves at its next system call; the last one returns the address
 * space and ASID and signals `done`. The waiter (the parent's SYS_WAIT, the
 * shell, or the reaper thread for detached tasks) then joins the threads and
 * frees the rest.
 */
#ifndef BORA_TASK_H
#define BORA_TASK_H

#include <bora/aspace.h>
#include <bora/types.h>
#include <uapi/bora/syscall.h>

struct trap_frame;

enum task_state {
	TASK_NEW,     /* loaded, not started */
	TASK_RUNNING, /* started (on some kernel stack) */
	TASK_ZOMBIE,  /* ended; exit_status valid; waits for its parent */
};

#include <bora/sem.h>
#include <bora/spinlock.h>
#include <asm/trap.h>

#define TASK_MAX_THREADS 8

struct thread;

/* How a user thread starts: its task and its first user registers. */
struct task_thread_start {
	struct task *task;
	struct trap_frame tf;
};

struct task {
	size_t id;
	char name[TASK_NAME_MAX];
	enum task_state state;
	struct aspace as;
	struct sv39_env as_env; /* uspace_env() with ctx = &as: fences reach its harts */
	struct task *parent;
	int exit_status;
	bool dying;    /* exit, fault or kill: every thread leaves at its next syscall */
	bool detached; /* nobody waits: the reaper thread frees it */
	spinlock_t lock;
	unsigned int live_threads;
	unsigned int nr_threads; /* created, for joining */
	struct thread *threads[TASK_MAX_THREADS];
	struct task_thread_start start[TASK_MAX_THREADS];
	struct sem done;   /* given when the last thread has left */
	void *handles;     /* the IPC handle table (NULL until IPC adds one) */
	struct task *next; /* the list of live tasks, by id */
};

/* Probe the ASID width and set up the task ids; after the full remap, before any task. */
void task_subsystem_init(void);

/*
 * Create a task running `name` with argv[0..argc) (strings in kernel memory),
 * child of `parent` (NULL for the kernel). 0 and *out; -ENOENT (no such
 * program), -ENOEXEC (the image is refused: the reason is printed), -E2BIG
 * (arguments), -EAGAIN (no task id), -ENOMEM.
 */
int task_create(struct task **out, const char *name, const char *const *argv, int argc,
                struct task *parent);

/* Start t's main thread. 0, or -EAGAIN/-ENOMEM (t stays NEW). */
int task_start(struct task *t);

/* Block until t has ended; its exit status. Does not free t (task_reap does). */
int task_wait(struct task *t);

/* Start, wait, and return the exit status (t is then a zombie). */
int task_run(struct task *t);

/* Free an ended task (or one that never started): frames, table pages, ASID, id, threads. */
void task_reap(struct task *t);

/* Start t with nobody waiting: the reaper thread reports its end and frees it. */
int task_start_detached(struct task *t);

/*
 * Kill: a NEW task ends at once; a running one is marked dying with
 * EXIT_STATUS_KILLED and its threads leave at their next system call.
 */
int task_kill(struct task *t);

/* Create a thread in the current task starting at entry with sp and a0 = arg. */
long task_thread_create(uint64_t entry, uint64_t stack_top, uint64_t arg);

/* The calling thread leaves its task (the task ends with it if it was the last). */
__attribute__((noreturn)) void task_thread_leave(void);

/* If the current task is dying, leave now. Called after blocking system calls. */
void task_check_dying(void);

/* The scheduler's switch hook: load next's address space if it belongs to a task. */
void task_switch_mm(struct thread *next);

/* The task whose code this hart runs (in U-mode or in its syscall), or NULL. */
struct task *task_current(void);

struct task *task_find(size_t id);

/* Live tasks (zombies included), for ps: calls fn for each in id order. */
void task_for_each(void (*fn)(const struct task *t, void *arg), void *arg);
size_t task_count(void);

/* End the current task with `status`: this thread leaves, the others at their next syscall. */
__attribute__((noreturn)) void task_exit_current(int status);

/* Start CONFIG_USER_INIT_PROGRAM (if set) as the first task. */
void task_run_init(void);

/* Names of the embedded programs, for the shell's help: index 0.. until NULL. */
const char *task_program_name(size_t index);

/* Counters the tests read: each hart allocates ASIDs of its own; these add them up. */
struct uspace_stats {
	unsigned int asid_bits;  /* what the hart implements */
	size_t asids;            /* usable on each hart, 0 included; < 2: ASIDs off */
	uint64_t full_flushes;   /* sfence.vma zero, zero on an address-space switch */
	uint64_t asid_flushes;   /* sfence.vma zero, asid for a fresh id */
	uint64_t switches;       /* satp writes for a task */
	uint64_t asid_rollovers; /* generations started */
	size_t asids_in_use;     /* ids spaces hold on all harts, plus the kernel's 0 */
	uint64_t remote_fences;  /* harts fenced for a changed leaf of a space live there */
	uint64_t switches_on[PERCPU_MAX_HARTS]; /* satp writes for a task, by hart index */
};
void uspace_stats(struct uspace_stats *st);
/*
 * For tests: start ASID allocation over with at most `limit` ids (0: what the
 * hart has, 1: ASIDs off), as CONFIG_ASID_LIMIT would. No task may be alive.
 */
void uspace_asid_reconfigure(size_t limit);

/*
 * The sv39_env user address spaces take their frames from. Its ctx is NULL:
 * a changed leaf is then fenced in every ASID on every hart. A copy with ctx
 * pointing at the space (task.as_env) fences only the harts it ran on.
 */
const struct sv39_env *uspace_env(void);
/* Make `as` (NULL: the kernel's own table) the hart's address space. */
void aspace_activate(struct aspace *as);
/* Give back the ASID of a space that will not run again (before aspace_destroy). */
void aspace_release_asid(struct aspace *as);

/* System calls: handlers get a0..a5; the table is indexed by a7 (kernel/user/syscall.c). */
typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);
extern const syscall_fn syscall_table[SYS_MAX];

/* The saved user registers of the calling thread, at the top of its kernel stack. */
struct trap_frame *task_user_frame(void);

#endif
