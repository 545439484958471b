/* SPDX-License-Identifier: MIT */
/*
 * Tasks (CONFIG_USERSPACE): an address space, the threads running in it and,
 * for IPC, a handle table. A task is created from an embedded program
 * (user/programs/<name>.c) with arguments, runs in U-mode, and ends by
 * SYS_EXIT, by a fault (reported and killed) or by SYS_KILL / the shell's
 * `kill`; its parent collects the exit status with SYS_WAIT, which frees
 * what is left.
 *
 * Execution today (before the kernel has threads for tasks): a task runs on
 * its own kernel stack, entered from the kernel code that calls task_run()
 * (the boot, the shell, or a parent's SYS_WAIT) until it ends, and task_run()
 * then returns its exit status. Nested this way, SYS_WAIT runs the child to
 * completion inside the parent's call.
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

/* The kernel context task_run() resumes when the task ends (arch/riscv/user_run.S). */
struct task_resume {
	uint64_t ra, sp, s[12];
};

struct task {
	size_t id;
	char name[TASK_NAME_MAX];
	enum task_state state;
	struct aspace as;
	struct task *parent;
	int exit_status;
	uintptr_t kstack;      /* base of the kernel stack its traps run on */
	struct trap_frame *tf; /* the user registers at the first entry */
	struct task_resume resume;
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

/* Run t until it ends; returns its exit status (t is then a zombie). */
int task_run(struct task *t);

/* Free a zombie (or a task that never ran): every frame, table page, ASID and id. */
void task_reap(struct task *t);

/* Kill: a NEW task becomes a zombie with EXIT_STATUS_KILLED at once. */
int task_kill(struct task *t);

/* The task whose code this hart runs (in U-mode or in its syscall), or NULL. */
struct task *task_current(void);

struct task *task_find(size_t id);

/* Live tasks (zombies included), for ps: calls fn for each in id order. */
void task_for_each(void (*fn)(const struct task *t, void *arg), void *arg);
size_t task_count(void);

/* End the current task with `status` (never returns to it). */
__attribute__((noreturn)) void task_exit_current(int status);

/* Start CONFIG_USER_INIT_PROGRAM (if set) as the first task. */
void task_run_init(void);

/* Names of the embedded programs, for the shell's help: index 0.. until NULL. */
const char *task_program_name(size_t index);

/* Counters the tests read. */
struct uspace_stats {
	unsigned int asid_bits;  /* what the hart implements */
	size_t asids;            /* usable, 0 included; < 2: ASIDs off */
	uint64_t full_flushes;   /* sfence.vma zero, zero on an address-space switch */
	uint64_t asid_flushes;   /* sfence.vma zero, asid for a fresh id */
	uint64_t switches;       /* satp writes for a task */
	uint64_t asid_rollovers; /* generations started */
	size_t asids_in_use;
};
void uspace_stats(struct uspace_stats *st);
/*
 * For tests: start ASID allocation over with at most `limit` ids (0: what the
 * hart has, 1: ASIDs off), as CONFIG_ASID_LIMIT would. No task may be alive.
 */
void uspace_asid_reconfigure(size_t limit);

/* The sv39_env user address spaces take their frames from. */
const struct sv39_env *uspace_env(void);
/* Make `as` (NULL: the kernel's own table) the hart's address space. */
void aspace_activate(struct aspace *as);
/* Give back the ASID of a space that will not run again (before aspace_destroy). */
void aspace_release_asid(struct aspace *as);

/* System calls: handlers get a0..a5; the table is indexed by a7 (kernel/user/syscall.c). */
typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);
extern const syscall_fn syscall_table[SYS_MAX];

/* The saved user registers of t's (running) thread, at the top of its kernel stack. */
struct trap_frame *task_user_frame(struct task *t);

#endif
