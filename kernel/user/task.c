// SPDX-License-Identifier: MIT
/* Task lifecycle: create from an embedded program, start its threads, end, reap. */
#include <bora/elf.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/id_alloc.h>
#include <bora/kmalloc.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/sched.h>
#include <bora/string.h>
#include <bora/thread.h>
#include <bora/uaccess.h>
#include <asm/csr.h>
#include <asm/trap.h>
#include "internal.h"
#ifdef CONFIG_IPC
#include <bora/ipc_kernel.h>
#include <bora/syscall_ipc.h>
#endif

static struct id_bitmap task_ids;
static uint64_t task_id_storage[id_storage_bytes(CONFIG_USER_MAX_TASKS + 1) / 8];
static struct task *tasks; /* every live task, ascending id; under tasks_lock */
static spinlock_t tasks_lock = SPINLOCK_INIT;
struct sem task_reaper_wake; /* a detached task has ended */

const char *task_program_name(size_t index)
{
	return index < user_program_count ? user_programs[index].name : NULL;
}

static const struct user_program *find_program(const char *name)
{
	for (uint64_t i = 0; i < user_program_count; i++)
		if (strcmp(user_programs[i].name, name) == 0)
			return &user_programs[i];
	return NULL;
}

static void reaper_main(void *arg);

void task_subsystem_init(void)
{
	struct thread *reaper;

	if (id_bitmap_init(&task_ids, task_id_storage, sizeof(task_id_storage),
	                   CONFIG_USER_MAX_TASKS + 1) ||
	    id_bitmap_alloc_fixed(&task_ids, 0))
		panic("task: cannot set up task ids");
	uspace_init();
	sem_init(&task_reaper_wake, 0, CONFIG_USER_MAX_TASKS);
	if (thread_create(&reaper, reaper_main, NULL, THREAD_PRIO_DEFAULT, 0, "task_reaper"))
		panic("task: cannot start the reaper thread");
	printk("user: %llu embedded programs, up to %d tasks\n",
	       (unsigned long long)user_program_count, CONFIG_USER_MAX_TASKS);
}

struct task *task_current(void)
{
	return thread_current()->task;
}

struct task *task_find(size_t id)
{
	unsigned long flags = spin_lock_irqsave(&tasks_lock);
	struct task *t = tasks;

	while (t && t->id != id)
		t = t->next;
	spin_unlock_irqrestore(&tasks_lock, flags);
	return t;
}

/* The callback runs with the list locked and interrupts off: print, do not block. */
void task_for_each(void (*fn)(const struct task *t, void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&tasks_lock);

	for (struct task *t = tasks; t; t = t->next)
		fn(t, arg);
	spin_unlock_irqrestore(&tasks_lock, flags);
}

size_t task_count(void)
{
	unsigned long flags = spin_lock_irqsave(&tasks_lock);
	size_t n = 0;

	for (struct task *t = tasks; t; t = t->next)
		n++;
	spin_unlock_irqrestore(&tasks_lock, flags);
	return n;
}

static void link_task(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&tasks_lock);
	struct task **p = &tasks;

	while (*p && (*p)->id < t->id)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	spin_unlock_irqrestore(&tasks_lock, flags);
}

static void unlink_task(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&tasks_lock);

	for (struct task **p = &tasks; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	spin_unlock_irqrestore(&tasks_lock, flags);
}

static int check_args(const char *const *argv, int argc, size_t *bytes)
{
	*bytes = 0;
	if (argc < 0)
		return -EINVAL;
	if (argc > SPAWN_MAX_ARGS)
		return -E2BIG;
	for (int i = 0; i < argc; i++) {
		size_t n = strnlen(argv[i], SPAWN_MAX_ARG_LEN);

		if (n == SPAWN_MAX_ARG_LEN)
			return -E2BIG;
		*bytes += n + 1;
	}
	return *bytes > SPAWN_MAX_ARGS_LEN ? -E2BIG : 0;
}

/*
 * The initial stack, from the top: the argument strings, then (16-byte
 * aligned) argv[0..argc) and a NULL. sp points at argv[0].
 */
static int push_args(struct task *t, const char *const *argv, int argc, size_t bytes,
                     uint64_t *sp_out)
{
	uint64_t strings = USER_STACK_TOP - ALIGN_UP(bytes, 16);
	uint64_t vec = strings - ALIGN_UP((uint64_t)(argc + 1) * 8, 16);
	uint64_t at = strings;
	int err = 0;

	for (int i = 0; i < argc && !err; i++) {
		size_t n = strlen(argv[i]) + 1;

		err = aspace_write(&t->as, vec + (uint64_t)i * 8, &at, 8);
		if (!err)
			err = aspace_write(&t->as, at, argv[i], n);
		at += n;
	}
	if (!err)
		err = aspace_write(&t->as, vec + (uint64_t)argc * 8, &(uint64_t){0}, 8);
	*sp_out = vec;
	return err;
}

/* Give back the address space and ASID: at the end, or for a task that never ran. */
void task_release_memory(struct task *t)
{
#ifdef CONFIG_IPC
	ipc_task_destroy(t); /* first: peers see the handles go while the task is still whole */
#endif
	aspace_release_asid(&t->as);
	aspace_destroy(&t->as);
}

/* U-mode registers for a new thread: sret to U (SPP 0), interrupts on there, no SUM. */
void task_init_user_frame(struct trap_frame *tf, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1)
{
	*tf = (struct trap_frame){0};
	tf->regs[2] = sp;
	tf->regs[10] = a0;
	tf->regs[11] = a1;
	tf->sepc = pc;
	tf->sstatus =
	    (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE | SSTATUS_SUM)) | SSTATUS_SPIE;
}

static int load(struct task *t, const struct user_program *prog, const char *const *argv, int argc,
                size_t arg_bytes)
{
	struct page_alloc_stats fs;
	struct elf_image img;
	enum elf_error ee;
	uint64_t sp;
	int err;

	ee = elf_parse(prog->image, prog->size, USER_VA_START, USER_VA_END, &img);
	if (ee != ELF_OK) {
		printk("task: program %s refused: %s\n", prog->name, elf_error_name(ee));
		return -ENOEXEC;
	}
	t->as_env = *uspace_env();
	t->as_env.ctx = &t->as;
	err = aspace_init(&t->as, &t->as_env, remap_kernel_table());
	if (err)
		return err;
	frame_stats(&fs);
	err = aspace_load_elf(&t->as, &img, prog->image, fs.available_pages);
	if (err == -E2BIG)
		err = -ENOMEM;
	if (!err)
		err = aspace_map_anon(&t->as, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
		                      PROT_READ | PROT_WRITE);
	if (!err)
		err = push_args(t, argv, argc, arg_bytes, &sp);
	if (err)
		return err;
	task_init_user_frame(&t->start[0].tf, img.entry, sp, (uint64_t)argc, sp);
	t->start[0].tf.regs[12] = (uint64_t)-1; /* a2: no console handle (SYS_SPAWN's a5) */
	return 0;
}

int task_create(struct task **out, const char *name, const char *const *argv, int argc,
                struct task *parent)
{
	const struct user_program *prog = find_program(name);
	struct task *t;
	size_t arg_bytes, id;
	int err;

	if (!prog)
		return -ENOENT;
	err = check_args(argv, argc, &arg_bytes);
	if (err)
		return err;
	if (id_bitmap_alloc(&task_ids, &id))
		return -EAGAIN;
	t = kzalloc(sizeof(*t));
	if (!t) {
		id_bitmap_free(&task_ids, id);
		return -ENOMEM;
	}
	t->id = id;
	t->parent = parent;
	t->state = TASK_NEW;
	spin_lock_init(&t->lock);
	sem_init(&t->done, 0, 1);
	memcpy(t->name, prog->name, MIN(strlen(prog->name), sizeof(t->name) - 1));
	err = load(t, prog, argv, argc, arg_bytes);
	if (err) {
		if (t->as.pt.table_pages)
			task_release_memory(t);
		kfree(t);
		id_bitmap_free(&task_ids, id);
		return err;
	}
	link_task(t);
	*out = t;
	return 0;
}

/* Mark t dying with `status` unless it already is. */
static void doom(struct task *t, int status)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (!t->dying) {
		t->dying = true;
		t->exit_status = status;
	}
	spin_unlock_irqrestore(&t->lock, flags);
#ifdef CONFIG_IPC
	ipc_task_interrupt(t); /* its threads asleep in IPC wake up to leave */
#endif
}

void task_exit_current(int status)
{
	doom(task_current(), status);
	task_thread_leave();
}

void task_check_dying(void)
{
	struct task *t = task_current();

	if (t && t->dying)
		task_thread_leave();
}

int task_wait(struct task *t)
{
	if (t->state == TASK_NEW)
		return -EINVAL;
	sem_take(&t->done, FOREVER);
	sem_give(&t->done); /* stays signalled: a second wait returns at once */
	return t->exit_status;
}

int task_run(struct task *t)
{
	int err = task_start(t);

	return err ? err : task_wait(t);
}

int task_start_detached(struct task *t)
{
	t->detached = true;
	return task_start(t);
}

int task_kill(struct task *t)
{
	if (t->state == TASK_ZOMBIE)
		return 0;
	if (t->state == TASK_NEW) {
		t->exit_status = EXIT_STATUS_KILLED;
		t->state = TASK_ZOMBIE;
		task_release_memory(t);
		sem_give(&t->done);
		return 0;
	}
	doom(t, EXIT_STATUS_KILLED);
	return 0;
}

void task_reap(struct task *t)
{
	if (t->state == TASK_NEW)
		task_kill(t);
	task_wait(t);
	for (unsigned int i = 0; i < t->nr_threads; i++)
		if (t->threads[i])
			thread_join(t->threads[i], FOREVER);
	unlink_task(t);
	/* Children it never waited for: the reaper takes the running ones, the rest go now. */
	for (;;) {
		struct task *c = NULL;
		unsigned long flags = spin_lock_irqsave(&tasks_lock);

		for (struct task *p = tasks; p && !c; p = p->next)
			if (p->parent == t)
				c = p;
		if (c) {
			c->parent = NULL;
			c->detached = c->state == TASK_RUNNING;
		}
		spin_unlock_irqrestore(&tasks_lock, flags);
		if (!c)
			break;
		if (!c->detached)
			task_reap(c);
		else if (c->state == TASK_ZOMBIE)
			sem_give(&task_reaper_wake);
	}
	id_bitmap_free(&task_ids, t->id);
	sem_destroy(&t->done);
	kfree(t);
}

static struct task *ended_detached(void)
{
	unsigned long flags = spin_lock_irqsave(&tasks_lock);
	struct task *t = tasks;

	while (t && !(t->detached && t->state == TASK_ZOMBIE))
		t = t->next;
	spin_unlock_irqrestore(&tasks_lock, flags);
	return t;
}

/* Reports and frees detached tasks (the shell's `run ... &`, orphans) when they end. */
static void reaper_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct task *t;

		sem_take(&task_reaper_wake, FOREVER);
		while ((t = ended_detached()) != NULL) {
			printk("task %s (%zu) exited with status %d\n", t->name, t->id,
			       t->exit_status);
			task_reap(t);
		}
	}
}

void task_run_init(void)
{
	const char *name = CONFIG_USER_INIT_PROGRAM;
	struct task *t;
	int err, status;

	if (!name[0])
		return;
#ifdef CONFIG_USER_CONSOLE_SERVER
	/* init wires the user-mode UART server: handles 0 and 1 are the UART (ipc_uart_give). */
	const char *const argv[] = {name, "console"};

	err = task_create(&t, name, argv, ARRAY_SIZE(argv), NULL);
	if (!err) {
		int give = ipc_uart_give(t);

		if (give) {
			/* e.g. a console without an interrupt: the kernel keeps the UART. */
			printk("user: no user-mode console (%s), init without it\n",
			       errno_name(give));
			task_reap(t);
			err = task_create(&t, name, &name, 1, NULL);
		}
	}
#else
	err = task_create(&t, name, &name, 1, NULL);
#endif
	if (err) {
		printk("user: cannot start %s: %s\n", name, errno_name(err));
		return;
	}
	printk("user: starting %s as task %zu\n", name, t->id);
	status = task_run(t);
	task_reap(t);
	printk("user: %s exited with status %d\n", name, status);
}
