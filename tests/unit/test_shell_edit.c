// SPDX-License-Identifier: MIT
/*
 * The shell's line editor (subsys/shell/shell_edit.c), built with a 16-byte line and
 * a 3-entry history: what each key does to the line, what it echoes, and the
 * history ring's order, duplicates and wrap-around.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <bora/shell.h>

struct screen {
	char out[4096];
	size_t len;
};

static void capture(void *ctx, const char *s, size_t n)
{
	struct screen *scr = ctx;

	assert_true(scr->len + n < sizeof(scr->out));
	memcpy(scr->out + scr->len, s, n);
	scr->len += n;
	scr->out[scr->len] = '\0';
}

struct fixture {
	struct shell_editor ed;
	struct screen scr;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	shell_editor_init(&f.ed, capture, &f.scr);
	*state = &f;
	return 0;
}

/* Feed `keys`; return the event of the last byte and count the finished lines. */
static enum shell_edit_event type(struct fixture *f, const char *keys, size_t n)
{
	enum shell_edit_event ev = SHELL_EDIT_MORE;

	for (size_t i = 0; i < n; i++)
		ev = shell_editor_feed(&f->ed, (unsigned char)keys[i]);
	return ev;
}

#define TYPE(f, s) type((f), (s), sizeof(s) - 1)

static void clear_screen(struct fixture *f)
{
	f->scr.len = 0;
	f->scr.out[0] = '\0';
}

static void enter_finishes_the_line_and_echoes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(TYPE(f, "help"), SHELL_EDIT_MORE);
	assert_int_equal(TYPE(f, "\r"), SHELL_EDIT_LINE);
	assert_string_equal(shell_editor_line(&f->ed), "help");
	assert_string_equal(f->scr.out, "help\n");
}

static void crlf_is_one_enter_and_lf_alone_is_one(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(TYPE(f, "a\r"), SHELL_EDIT_LINE);
	assert_int_equal(TYPE(f, "\n"), SHELL_EDIT_MORE);
	assert_int_equal(TYPE(f, "b\n"), SHELL_EDIT_LINE);
	assert_string_equal(shell_editor_line(&f->ed), "b");
	assert_int_equal(TYPE(f, "\n"), SHELL_EDIT_LINE);
	assert_string_equal(shell_editor_line(&f->ed), "");
}

static void backspace_and_delete_erase_one_character(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "helx\b");
	assert_string_equal(f->scr.out, "helx\b \b");
	TYPE(f, "pp\x7f");
	assert_int_equal(TYPE(f, "\r"), SHELL_EDIT_LINE);
	assert_string_equal(shell_editor_line(&f->ed), "help");
}

static void backspace_on_empty_line_rings_the_bell(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "\x7f");
	assert_string_equal(f->scr.out, "\a");
	assert_int_equal(TYPE(f, "\r"), SHELL_EDIT_LINE);
	assert_string_equal(shell_editor_line(&f->ed), "");
}

static void ctrl_u_erases_the_whole_line(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "abc");
	clear_screen(f);
	TYPE(f, "\x15");
	assert_string_equal(f->scr.out, "\b \b\b \b\b \b");
	TYPE(f, "ok\r");
	assert_string_equal(shell_editor_line(&f->ed), "ok");
}

static void ctrl_c_drops_the_line(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "reboot");
	assert_int_equal(TYPE(f, "\x03"), SHELL_EDIT_CANCEL);
	assert_non_null(strstr(f->scr.out, "^C\n"));
	assert_null(shell_history_entry(&f->ed, 0));
	TYPE(f, "x\r");
	assert_string_equal(shell_editor_line(&f->ed), "x");
}

static void full_line_rings_the_bell_and_keeps_fifteen_bytes(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "0123456789abcdefgh");
	assert_non_null(strstr(f->scr.out, "0123456789abcde\a\a\a"));
	TYPE(f, "\r");
	assert_string_equal(shell_editor_line(&f->ed), "0123456789abcde");
}

static void control_bytes_and_non_ascii_are_ignored(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "a\x01\x04\t\x80\xffz\r");
	assert_string_equal(shell_editor_line(&f->ed), "az");
	assert_string_equal(f->scr.out, "az\n");
}

static void unknown_escape_sequences_are_swallowed(void **state)
{
	struct fixture *f = *state;

	/* Right, Left, Delete (ESC [ 3 ~), F1 via SS3, and Alt-x (ESC x). */
	TYPE(f, "a\x1b[C\x1b[D\x1b[3~\x1bOP\x1bxb\r");
	assert_string_equal(shell_editor_line(&f->ed), "ab");
	assert_string_equal(f->scr.out, "ab\n");
}

#define UP   "\x1b[A"
#define DOWN "\x1b[B"

static void up_and_down_walk_the_history(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "one\rtwo\rthree\r");
	TYPE(f, "dr");
	TYPE(f, UP);
	assert_string_equal(f->ed.line, "three");
	assert_int_equal(f->ed.len, 5);
	TYPE(f, UP UP);
	TYPE(f, "\r");
	assert_string_equal(shell_editor_line(&f->ed), "one");

	TYPE(f, "dr" UP DOWN);
	assert_int_equal(f->ed.len, 2);
	assert_memory_equal(f->ed.line, "dr", 2);
	TYPE(f, "aft\r");
	assert_string_equal(shell_editor_line(&f->ed), "draft");
}

static void history_ends_ring_the_bell(void **state)
{
	struct fixture *f = *state;

	TYPE(f, DOWN);
	assert_string_equal(f->scr.out, "\a");
	TYPE(f, UP);
	assert_string_equal(f->scr.out, "\a\a");
	TYPE(f, "x\r" UP UP);
	assert_int_equal(f->scr.out[f->scr.len - 1], '\a');
}

static void ss3_arrows_work_like_csi_arrows(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "ls\r\x1bOA\r");
	assert_string_equal(shell_editor_line(&f->ed), "ls");
}

static void history_skips_repeats_and_empty_lines(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "a\ra\r\r   \r");
	assert_string_equal(shell_history_entry(&f->ed, 0), "   ");
	assert_string_equal(shell_history_entry(&f->ed, 1), "a");
	assert_null(shell_history_entry(&f->ed, 2));
}

static void history_keeps_the_newest_three(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "1\r2\r3\r4\r5\r");
	assert_string_equal(shell_history_entry(&f->ed, 0), "5");
	assert_string_equal(shell_history_entry(&f->ed, 1), "4");
	assert_string_equal(shell_history_entry(&f->ed, 2), "3");
	assert_null(shell_history_entry(&f->ed, 3));
	TYPE(f, UP UP UP UP "\r");
	assert_string_equal(shell_editor_line(&f->ed), "3");
	assert_string_equal(shell_history_entry(&f->ed, 0), "3");
}

static void a_full_history_line_is_recalled_whole(void **state)
{
	struct fixture *f = *state;

	TYPE(f, "0123456789abcde\r" UP "\r");
	assert_string_equal(shell_editor_line(&f->ed), "0123456789abcde");
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(enter_finishes_the_line_and_echoes),
	    T(crlf_is_one_enter_and_lf_alone_is_one),
	    T(backspace_and_delete_erase_one_character),
	    T(backspace_on_empty_line_rings_the_bell),
	    T(ctrl_u_erases_the_whole_line),
	    T(ctrl_c_drops_the_line),
	    T(full_line_rings_the_bell_and_keeps_fifteen_bytes),
	    T(control_bytes_and_non_ascii_are_ignored),
	    T(unknown_escape_sequences_are_swallowed),
	    T(up_and_down_walk_the_history),
	    T(history_ends_ring_the_bell),
	    T(ss3_arrows_work_like_csi_arrows),
	    T(history_skips_repeats_and_empty_lines),
	    T(history_keeps_the_newest_three),
	    T(a_full_history_line_is_recalled_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
