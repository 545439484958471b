// SPDX-License-Identifier: MIT
/* Shell commands for tasks (CONFIG_USERSPACE): run, kill, tasks. */
#ifdef CONFIG_USERSPACE
#include <bora/errno.h>
#include <bora/printk.h>
#include <bora/shell.h>
#include <bora/string.h>
#include <bora/smp.h>
#include <bora/task.h>
#ifdef CONFIG_USER_CONSOLE_SERVER
#include <bora/syscall_ipc.h>
#endif

/*
 * `-h <set>`: the task starts with these handles (initial capabilities) at 0,
 * 1, ...; "uart" is the console UART's device page and interrupt
 * (CONFIG_USER_CONSOLE_SERVER, kernel/ipc_uart.c).
 */
static int give_handles(struct task *t, const char *set)
{
#ifdef CONFIG_USER_CONSOLE_SERVER
	if (strcmp(set, "uart") == 0)
		return ipc_uart_give(t);
#endif
#ifdef CONFIG_USER_CONSOLE_SERVER
#define KNOWN_SETS "uart"
#else
#define KNOWN_SETS "none without CONFIG_USER_CONSOLE_SERVER"
#endif
	(void)t;
	printk("run: -h %s: no such handle set (known: " KNOWN_SETS ")\n", set);
	return -EINVAL;
}

static int cmd_run(int argc, char *argv[])
{
	bool background = strcmp(argv[argc - 1], "&") == 0;
	const char *set = NULL;
	struct task *t;
	int err, status;

	if (background)
		argc--;
	if (argc >= 3 && strcmp(argv[1], "-h") == 0) {
		set = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		printk("run: which program?\n");
		return -EINVAL;
	}
	err = task_create(&t, argv[1], (const char *const *)&argv[1], argc - 1, NULL);
	if (err) {
		printk("run: %s: %s\n", argv[1], errno_name(err));
		if (err == -ENOENT) {
			printk("run: programs:");
			for (size_t i = 0; task_program_name(i); i++)
				printk(" %s", task_program_name(i));
			printk("\n");
		}
		return err;
	}
	if (set) {
		err = give_handles(t, set);
		if (err) {
			if (err != -EINVAL)
				printk("run: -h %s: %s\n", set, errno_name(err));
			task_reap(t);
			return err;
		}
	}
	if (background) {
		err = task_start_detached(t);
		if (err) {
			task_reap(t);
			printk("run: %s: %s\n", argv[1], errno_name(err));
			return err;
		}
		printk("task %s (%zu) started\n", t->name, t->id);
		return 0;
	}
	status = task_run(t);
	printk("task %s (%zu) exited with status %d\n", t->name, t->id, status);
	task_reap(t);
	return 0;
}

static int cmd_kill(int argc, char *argv[])
{
	unsigned long id = 0;
	struct task *t;
	int err;

	(void)argc;
	for (const char *p = argv[1]; *p; p++) {
		if (*p < '0' || *p > '9' || id > 1000000) {
			printk("kill: '%s' is not a task id\n", argv[1]);
			return -EINVAL;
		}
		id = id * 10 + (unsigned long)(*p - '0');
	}
	t = task_find(id);
	if (!t) {
		printk("kill: no task %lu\n", id);
		return -ESRCH;
	}
	err = task_kill(t);
	if (err) {
		printk("kill: task %lu: %s\n", id, errno_name(err));
		return err;
	}
	printk("task %s (%lu) killed\n", t->name, id);
	return 0;
}

static const char *const state_names[] = {"new", "running", "zombie"};

static void print_task(const struct task *t, void *arg)
{
	(void)arg;
	printk("%4zu %-16s %-8s %6zu %8zu\n", t->id, t->name, state_names[t->state],
	       t->parent ? t->parent->id : 0, t->as.user_pages);
}

static int cmd_tasks(int argc, char *argv[])
{
	struct uspace_stats st;

	(void)argc, (void)argv;
	printk("  ID NAME             STATE    PARENT    PAGES\n");
	task_for_each(print_task, NULL);
	uspace_stats(&st);
	printk("asids: %zu usable, %zu in use, %llu rollovers; switches %llu, full flushes %llu, "
	       "remote fences %llu\n",
	       st.asids, st.asids_in_use, (unsigned long long)st.asid_rollovers,
	       (unsigned long long)st.switches, (unsigned long long)st.full_flushes,
	       (unsigned long long)st.remote_fences);
	if (smp_online_count() > 1) {
		printk("task switches by hart:");
		for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++)
			if (smp_online_mask() & CPUMASK_OF(i))
				printk(" %u:%llu", i, (unsigned long long)st.switches_on[i]);
		printk("\n");
	}
	return 0;
}

SHELL_CMD(run, "[-h <handles>] <program> [args] [&]",
          "run an embedded user program as a task (& in the background; -h uart: with the "
          "UART's page and interrupt as handles 0, 1)",
          1, 16, cmd_run);
SHELL_CMD(kill, "<task id>", "kill a task", 1, 1, cmd_kill);
SHELL_CMD(tasks, "", "user tasks and ASID use", 0, 0, cmd_tasks);
#endif
