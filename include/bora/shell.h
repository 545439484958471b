/* SPDX-License-Identifier: MIT */
/*
 * The kernel shell (CONFIG_SHELL): a prompt on the console after boot.
 *
 * Three layers, the lower two free of kernel dependencies so the host tests
 * (tests/unit/test_shell_*.c) and the command-line fuzzer build them as is:
 *   subsys/shell/shell_parse.c  split a line into words, parse numbers and sizes
 *   subsys/shell/shell_edit.c   line editing and history over a byte stream
 *   subsys/shell/shell.c        the prompt loop and command dispatch
 *   subsys/shell/shell_cmds.c   the commands themselves
 */
#ifndef BORA_SHELL_H
#define BORA_SHELL_H

#include <bora/types.h>

#ifndef CONFIG_SHELL_LINE_MAX
#define CONFIG_SHELL_LINE_MAX 128
#endif
#ifndef CONFIG_SHELL_HISTORY
#define CONFIG_SHELL_HISTORY 8
#endif

#define SHELL_PROMPT   "bora> "
#define SHELL_MAX_ARGS 8

/* ---- parsing (shell_parse.c) ----------------------------------------------------------------- */

/*
 * Split `line` in place at runs of spaces and tabs into at most `max` words.
 * Returns the word count, or -ERANGE when the line has more than `max` words
 * (argv then holds the first `max`).
 */
int shell_split(char *line, char *argv[], int max);

/*
 * Parse an unsigned number: hexadecimal after "0x"/"0X", or decimal with an
 * optional binary-size suffix k/K (2^10), m/M (2^20) or g/G (2^30). The whole
 * string must be consumed. 0 on success; -EINVAL for an empty string, a bad
 * digit or a stray suffix, -ERANGE when the value does not fit 64 bits.
 */
int shell_parse_u64(const char *s, uint64_t *out);

/* Why shell_parse_u64() refused `s`, as a short phrase for an error message. */
const char *shell_parse_error(int err);

/* ---- line editing (shell_edit.c) ------------------------------------------------------------- */

typedef void (*shell_write_fn)(void *ctx, const char *s, size_t n);

enum shell_edit_event {
	SHELL_EDIT_MORE,   /* byte consumed, line not finished */
	SHELL_EDIT_LINE,   /* Enter: shell_editor_line() holds the finished line */
	SHELL_EDIT_CANCEL, /* Ctrl-C: the line was dropped */
};

struct shell_editor {
	char line[CONFIG_SHELL_LINE_MAX];
	size_t len;
	/* History ring: entry i (0 = newest) sits i slots before hist_newest. */
	char history[CONFIG_SHELL_HISTORY > 0 ? CONFIG_SHELL_HISTORY : 1][CONFIG_SHELL_LINE_MAX];
	size_t hist_count;                 /* entries stored, <= CONFIG_SHELL_HISTORY */
	size_t hist_newest;                /* slot of entry 0 */
	size_t hist_pos;                   /* 0 = editing a new line, i = showing entry i - 1 */
	char draft[CONFIG_SHELL_LINE_MAX]; /* the new line, kept while browsing history */
	size_t draft_len;
	uint8_t esc_state; /* position inside an ESC [ ... sequence */
	bool last_was_cr;  /* swallow the LF of a CR LF pair */
	shell_write_fn write;
	void *ctx;
};

void shell_editor_init(struct shell_editor *ed, shell_write_fn write, void *ctx);

/*
 * Feed one input byte. Printable bytes are inserted and echoed; Backspace/DEL
 * erases one, Ctrl-U the whole line, Ctrl-C drops it, Up/Down (ESC [ A/B)
 * browse the history; other control bytes and escape sequences are ignored.
 * A line that is full rings the bell instead of growing.
 */
enum shell_edit_event shell_editor_feed(struct shell_editor *ed, int c);

/* The finished line (NUL-terminated), valid until the next feed. */
const char *shell_editor_line(const struct shell_editor *ed);

/* Entry `age` of the history (0 = newest), or NULL. */
const char *shell_history_entry(const struct shell_editor *ed, size_t age);

/* ---- the shell (shell.c) ----------------------------------------------------------------------
 */

struct shell_cmd {
	const char *name;
	const char *usage; /* arguments, "" for none */
	const char *help;
	int min_args, max_args; /* words after the name */
	int (*run)(int argc, char *argv[]);
};

/*
 * SHELL_CMD(name, usage, help, min_args, max_args, fn) registers a command from
 * any file: the entry lands in a .shell_cmd.<name> section, and the linker
 * script gathers them sorted by name between __start_shell_cmds and
 * __stop_shell_cmds, so `help` lists them alphabetically and a subsystem adds
 * its commands without touching a central table.
 */
#define SHELL_CMD(cname, cusage, chelp, cmin, cmax, cfn)                                           \
	static const struct shell_cmd shell_cmd_##cname                                            \
	    __attribute__((used, section(".shell_cmd." #cname), aligned(8))) = {                   \
	        #cname, cusage, chelp, cmin, cmax, cfn}

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

/* Run one line; the command's status (0 or a negative errno), -ENOENT if unknown. */
int shell_execute(char *line);

/* The prompt loop; `dtb_pa` is the device tree the firmware passed, or 0. */
void shell_run(uintptr_t dtb_pa) __attribute__((noreturn));

/* Run the prompt loop in its own thread "shell"; NULL (reported) if it cannot start. */
struct thread;
struct thread *shell_start(uintptr_t dtb_pa);

/* For the commands: the DTB the shell was started with (0 if none). */
uintptr_t shell_dtb_pa(void);

/* The resolved configuration, generated from auto.conf at build time. */
struct shell_config_entry {
	const char *name;
	const char *value;
};
extern const struct shell_config_entry shell_config_table[];
extern const size_t shell_config_count;

#endif
