// SPDX-License-Identifier: MIT
/*
 * Line editing for the kernel shell over a raw byte stream (a serial console
 * in QEMU -nographic, or piped stdin). Output uses only BS, space and CR LF so
 * it works on any terminal: erasing a character is "\b \b". Arrow keys arrive
 * as ECMA-48 control sequences, ESC [ <parameters> <final byte 0x40..0x7e>;
 * only Up (final 'A') and Down ('B') mean something here.
 * No kernel dependencies: the host unit tests build this file unchanged.
 */
#include <bora/shell.h>
#include <bora/string.h>

#define CTRL(c)  ((c)&0x1f)
#define KEY_BS   0x08
#define KEY_DEL  0x7f
#define KEY_ESC  0x1b
#define KEY_BELL "\a"

/* Slots of the history ring; one unused slot when history is configured off. */
#define HIST_SLOTS (CONFIG_SHELL_HISTORY > 0 ? CONFIG_SHELL_HISTORY : 1)

/* ESC [ is CSI; ESC O (SS3) is what terminals in application-cursor mode send. */
enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

void shell_editor_init(struct shell_editor *ed, shell_write_fn write, void *ctx)
{
	memset(ed, 0, sizeof(*ed));
	ed->write = write;
	ed->ctx = ctx;
}

static void emit(struct shell_editor *ed, const char *s, size_t n)
{
	if (n)
		ed->write(ed->ctx, s, n);
}

static void emit_str(struct shell_editor *ed, const char *s)
{
	emit(ed, s, strlen(s));
}

/* Rub out the whole visible line. */
static void erase_line(struct shell_editor *ed)
{
	for (size_t i = 0; i < ed->len; i++)
		emit(ed, "\b \b", 3);
	ed->len = 0;
}

/* Replace the visible line by `text` (len bytes). */
static void show_line(struct shell_editor *ed, const char *text, size_t len)
{
	erase_line(ed);
	memcpy(ed->line, text, len);
	ed->len = len;
	emit(ed, ed->line, len);
}

const char *shell_history_entry(const struct shell_editor *ed, size_t age)
{
	if (age >= ed->hist_count)
		return NULL;
	return ed->history[(ed->hist_newest + HIST_SLOTS - age) % HIST_SLOTS];
}

static void history_add(struct shell_editor *ed, const char *line, size_t len)
{
	const char *newest = shell_history_entry(ed, 0);

	if (CONFIG_SHELL_HISTORY == 0 || len == 0)
		return;
	/* Like bash's ignoredups: a repeated command is stored once. */
	if (newest && strlen(newest) == len && memcmp(newest, line, len) == 0)
		return;
	if (ed->hist_count > 0)
		ed->hist_newest = (ed->hist_newest + 1) % HIST_SLOTS;
	memcpy(ed->history[ed->hist_newest], line, len);
	ed->history[ed->hist_newest][len] = '\0';
	if (ed->hist_count < HIST_SLOTS)
		ed->hist_count++;
}

/* Move `delta` (+1 older, -1 newer) through the history. */
static void history_move(struct shell_editor *ed, int delta)
{
	size_t pos = ed->hist_pos;
	const char *entry;

	if (delta > 0) {
		if (pos >= ed->hist_count) {
			emit_str(ed, KEY_BELL);
			return;
		}
		if (pos == 0) {
			memcpy(ed->draft, ed->line, ed->len);
			ed->draft_len = ed->len;
		}
		pos++;
	} else {
		if (pos == 0) {
			emit_str(ed, KEY_BELL);
			return;
		}
		pos--;
	}
	ed->hist_pos = pos;
	if (pos == 0) {
		show_line(ed, ed->draft, ed->draft_len);
		return;
	}
	entry = shell_history_entry(ed, pos - 1);
	show_line(ed, entry, strlen(entry));
}

static enum shell_edit_event feed_escape(struct shell_editor *ed, int c)
{
	if (ed->esc_state == ESC_START) {
		/* Anything but CSI or SS3 is a two-byte sequence: drop it. */
		ed->esc_state = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
		return SHELL_EDIT_MORE;
	}
	if (ed->esc_state == ESC_CSI && (c < 0x40 || c > 0x7e))
		return SHELL_EDIT_MORE; /* parameter or intermediate byte */
	ed->esc_state = ESC_NONE;
	if (c == 'A')
		history_move(ed, +1);
	else if (c == 'B')
		history_move(ed, -1);
	return SHELL_EDIT_MORE;
}

static enum shell_edit_event finish_line(struct shell_editor *ed)
{
	emit_str(ed, "\n");
	ed->line[ed->len] = '\0';
	history_add(ed, ed->line, ed->len);
	ed->hist_pos = 0;
	ed->len = 0; /* the next feed starts a new line; line[] keeps the text until then */
	return SHELL_EDIT_LINE;
}

enum shell_edit_event shell_editor_feed(struct shell_editor *ed, int c)
{
	bool after_cr = ed->last_was_cr;

	c &= 0xff;
	ed->last_was_cr = c == '\r';
	if (ed->esc_state != ESC_NONE)
		return feed_escape(ed, c);
	switch (c) {
	case '\n':
		if (after_cr)
			return SHELL_EDIT_MORE;
		return finish_line(ed);
	case '\r':
		return finish_line(ed);
	case KEY_BS:
	case KEY_DEL:
		if (ed->len == 0) {
			emit_str(ed, KEY_BELL);
		} else {
			ed->len--;
			emit(ed, "\b \b", 3);
		}
		return SHELL_EDIT_MORE;
	case CTRL('U'):
		erase_line(ed);
		return SHELL_EDIT_MORE;
	case CTRL('C'):
		emit_str(ed, "^C\n");
		ed->len = 0;
		ed->hist_pos = 0;
		return SHELL_EDIT_CANCEL;
	case KEY_ESC:
		ed->esc_state = ESC_START;
		return SHELL_EDIT_MORE;
	default:
		break;
	}
	if (c < 0x20 || c > 0x7e)
		return SHELL_EDIT_MORE; /* other control bytes, and non-ASCII */
	if (ed->len + 1 >= CONFIG_SHELL_LINE_MAX) {
		emit_str(ed, KEY_BELL);
		return SHELL_EDIT_MORE;
	}
	ed->line[ed->len++] = (char)c;
	emit(ed, &ed->line[ed->len - 1], 1);
	return SHELL_EDIT_MORE;
}

const char *shell_editor_line(const struct shell_editor *ed)
{
	return ed->line;
}
