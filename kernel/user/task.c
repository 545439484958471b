// SPDX-License-Identifier: MIT
/* Task lifecycle: create from an embedded program, run, exit, reap. */
#include <bora/elf.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/id_alloc.h>
#include <bora/kmalloc.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/string.h>
#include <bora/uaccess.h>
#include <asm/csr.h>
#include <asm/trap.h>
#include "internal.h"
#ifdef CONFIG_IPC
#include <bora/syscall_ipc.h>
#endif

/* Each task's kernel stack: its traps and system calls run there. */
#define KSTACK_PAGES 4
#define KSTACK_SIZE  (KSTACK_PAGES * PAGE_SIZE)

static struct id_bitmap task_ids;
static uint64_t task_id_storage[id_storage_bytes(CONFIG_USER_MAX_TASKS + 1) / 8];
static struct task *tasks; /* every live task, ascending id */
static struct task *current;

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

void task_subsystem_init(void)
{
	if (id_bitmap_init(&task_ids, task_id_storage, sizeof(task_id_storage),
	                   CONFIG_USER_MAX_TASKS + 1) ||
	    id_bitmap_alloc_fixed(&task_ids, 0))
		panic("task: cannot set up task ids");
	uspace_init();
	printk("user: %llu embedded programs, up to %d tasks\n",
	       (unsigned long long)user_program_count, CONFIG_USER_MAX_TASKS);
}

struct task *task_current(void)
{
	return current;
}

struct task *task_find(size_t id)
{
	for (struct task *t = tasks; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

void task_for_each(void (*fn)(const struct task *t, void *arg), void *arg)
{
	for (struct task *t = tasks; t; t = t->next)
		fn(t, arg);
}

size_t task_count(void)
{
	size_t n = 0;

	for (struct task *t = tasks; t; t = t->next)
		n++;
	return n;
}

static void link_task(struct task *t)
{
	struct task **p = &tasks;

	while (*p && (*p)->id < t->id)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

static void unlink_task(struct task *t)
{
	for (struct task **p = &tasks; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			return;
		}
	}
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

static void free_kstack(struct task *t)
{
	if (t->kstack)
		frame_free(t->kstack, KSTACK_PAGES);
	t->kstack = 0;
}

/* Give back the address space and ASID: at exit, or for a task that never ran. */
static void release_memory(struct task *t)
{
#ifdef CONFIG_IPC
	ipc_task_destroy(t); /* first: peers see the handles go while the task is still whole */
#endif
	aspace_release_asid(&t->as);
	aspace_destroy(&t->as);
	kfree(t->tf);
	t->tf = NULL;
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
	err = aspace_init(&t->as, uspace_env(), remap_kernel_table());
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
	if (!err)
		err = frame_alloc(KSTACK_PAGES, PAGE_SIZE, &t->kstack);
	if (!err) {
		t->tf = kzalloc(sizeof(*t->tf));
		if (!t->tf)
			err = -ENOMEM;
	}
	if (err)
		return err;
	t->tf->regs[2] = sp;
	t->tf->regs[10] = (uint64_t)argc;
	t->tf->regs[11] = sp;
	t->tf->sepc = img.entry;
	/* sret to U-mode (SPP 0) with interrupts on there (SPIE), no SUM. */
	t->tf->sstatus =
	    (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE | SSTATUS_SUM)) | SSTATUS_SPIE;
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
	memcpy(t->name, prog->name, MIN(strlen(prog->name), sizeof(t->name) - 1));
	err = load(t, prog, argv, argc, arg_bytes);
	if (err) {
		if (t->as.pt.table_pages)
			release_memory(t);
		free_kstack(t);
		kfree(t);
		id_bitmap_free(&task_ids, id);
		return err;
	}
	link_task(t);
	*out = t;
	return 0;
}

struct trap_frame *task_user_frame(struct task *t)
{
	return (struct trap_frame *)(t->kstack + KSTACK_SIZE) - 1;
}

int task_run(struct task *t)
{
	struct task *prev = current;
	unsigned long sie = csr_read(sstatus) & SSTATUS_SIE;

	if (t->state != TASK_NEW)
		return -EINVAL;
	t->state = TASK_RUNNING;
	current = t;
	aspace_activate(&t->as);
	if (task_resume_save(&t->resume) == 0)
		trap_enter_user(t->tf, t->kstack + KSTACK_SIZE);
	/* Back from task_exit_current(), on this stack again. */
	free_kstack(t);
	current = prev;
	aspace_activate(prev ? &prev->as : NULL);
	if (sie)
		__asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
	return t->exit_status;
}

void task_exit_current(int status)
{
	struct task *t = current;

	if (!t)
		panic("task_exit_current outside a task");
	t->exit_status = status;
	t->state = TASK_ZOMBIE;
	/* Off the task's table before it is freed; the kernel half is the same. */
	aspace_activate(NULL);
	release_memory(t);
	task_resume_jump(&t->resume, 1);
}

int task_kill(struct task *t)
{
	if (t->state == TASK_ZOMBIE)
		return 0;
	if (t->state != TASK_NEW)
		return -EBUSY; /* running below us: only it can end itself today */
	t->exit_status = EXIT_STATUS_KILLED;
	t->state = TASK_ZOMBIE;
	release_memory(t);
	free_kstack(t);
	return 0;
}

void task_reap(struct task *t)
{
	if (t->state == TASK_NEW)
		task_kill(t);
	if (t->state != TASK_ZOMBIE)
		panic("task_reap: task %zu is running", t->id);
	unlink_task(t);
	/* Children it never waited for go with it (none of them can be running). */
	for (struct task *c = tasks; c;) {
		if (c->parent == t && c->state != TASK_RUNNING) {
			task_reap(c);
			c = tasks;
		} else {
			c = c->next;
		}
	}
	id_bitmap_free(&task_ids, t->id);
	kfree(t);
}

void task_run_init(void)
{
	const char *name = CONFIG_USER_INIT_PROGRAM;
	struct task *t;
	int err, status;

	if (!name[0])
		return;
	err = task_create(&t, name, &name, 1, NULL);
	if (err) {
		printk("user: cannot start %s: %s\n", name, errno_name(err));
		return;
	}
	printk("user: starting %s as task %zu\n", name, t->id);
	status = task_run(t);
	task_reap(t);
	printk("user: %s exited with status %d\n", name, status);
}
