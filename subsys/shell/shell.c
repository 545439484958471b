// SPDX-License-Identifier: MIT
/*
 * The kernel shell's prompt loop: poll the console, feed the line editor,
 * split the finished line and run the command. Every error is a message and
 * the prompt comes back; nothing a user types can stop the loop except
 * poweroff and reboot.
 */
#include <bora/console.h>
#include <bora/errno.h>
#include <bora/printk.h>
#include <bora/shell.h>
#include <bora/string.h>
#include <bora/thread.h>

static struct shell_editor editor;
static uintptr_t shell_dtb;

uintptr_t shell_dtb_pa(void)
{
	return shell_dtb;
}

static void console_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static const struct shell_cmd *find_cmd(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int shell_execute(char *line)
{
	char *argv[SHELL_MAX_ARGS];
	const struct shell_cmd *cmd;
	int argc = shell_split(line, argv, SHELL_MAX_ARGS);

	if (argc == -ERANGE) {
		printk("bora: too many words: a command takes at most %d\n", SHELL_MAX_ARGS);
		return -EINVAL;
	}
	if (argc == 0)
		return 0;
	cmd = find_cmd(argv[0]);
	if (!cmd) {
		printk("bora: unknown command '%s' (type 'help' for the list)\n", argv[0]);
		return -ENOENT;
	}
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
		printk("%s: usage: %s%s%s\n", cmd->name, cmd->name, cmd->usage[0] ? " " : "",
		       cmd->usage);
		return -EINVAL;
	}
	return cmd->run(argc, argv);
}

void shell_run(uintptr_t dtb_pa)
{
	char line[CONFIG_SHELL_LINE_MAX];

	shell_dtb = dtb_pa;
	shell_editor_init(&editor, console_sink, NULL);
	printk("Bora shell: type 'help' for the commands.\n");
	for (;;) {
		enum shell_edit_event ev = SHELL_EDIT_MORE;

		printk("%s", SHELL_PROMPT);
		while (ev == SHELL_EDIT_MORE) {
			/* Sleeps (wfi) until the console's receive interrupt or poll brings a byte.
			 */
			ev = shell_editor_feed(&editor, console_getc_wait());
		}
		if (ev == SHELL_EDIT_LINE) {
			/* A private copy: commands split it in place. */
			const char *text = shell_editor_line(&editor);
			size_t n = strnlen(text, sizeof(line) - 1);

			memcpy(line, text, n);
			line[n] = '\0';
			shell_execute(line);
		}
	}
}

/* 16 KiB: commands such as ptdump keep their state on the stack. */
#define SHELL_STACK_SIZE (16 * 1024)

static void shell_thread(void *dtb_pa)
{
	shell_run((uintptr_t)dtb_pa);
}

struct thread *shell_start(uintptr_t dtb_pa)
{
	struct thread *t;
	int err = thread_create(&t, shell_thread, (void *)dtb_pa, THREAD_PRIO_DEFAULT,
	                        SHELL_STACK_SIZE, "shell");

	if (err) {
		printk("shell: cannot start the shell thread: %s\n", errno_name(err));
		return NULL;
	}
	return t;
}
