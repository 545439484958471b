// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the kernel shell's input path (subsys/shell/shell_edit.c and
 * subsys/shell/shell_parse.c, include/bora/shell.h): the input bytes are what a user
 * types, control bytes, escape sequences and history keys included.
 *
 * The editor must keep every line, draft and history entry NUL-terminated
 * inside its buffer, store only what was typed (printable bytes), and echo a
 * bounded amount per byte. Every finished line is split into words (at most
 * SHELL_MAX_ARGS, else -ERANGE; words non-empty, without blanks, inside the
 * line) and every word is parsed as a number and compared with a reference
 * parser written from the header's description: hexadecimal after 0x, or
 * decimal with an optional k/M/G suffix, the whole word consumed.
 */
#include "shadow.h"

#include <bora/shell.h>

/* Echo for one byte: redrawing a recalled line is the most (erase + line + bell). */
#define MAX_ECHO_PER_BYTE (4 * CONFIG_SHELL_LINE_MAX + 16)

static size_t echoed;

static void count_echo(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	FUZZ_CHECK(s != NULL, "shell: echo of NULL");
	echoed += n;
}

static void expect_string(const char *s, size_t cap, const char *what)
{
	FUZZ_CHECK(s != NULL, "shell: %s is NULL", what);
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL, "shell: %s not terminated within %zu bytes", what,
	           cap);
	for (const char *p = s; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "shell: %s holds byte %#x nobody typed", what,
		           (unsigned char)*p);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/*
 * The header's grammar, independently: 0 and the value, -EINVAL for anything
 * else; *overflow says whether the digits (with their suffix) exceed 64 bits:
 * then -ERANGE is the answer for a well-formed word and an acceptable one for a
 * malformed word.
 */
static int reference_parse(const char *s, uint64_t *out, bool *overflow)
{
	unsigned __int128 v = 0;
	unsigned base = 10, shift = 0;
	const char *p = s, *digits;

	*overflow = false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	digits = p;
	for (; *p && hex_value(*p) >= 0 && (unsigned)hex_value(*p) < base; p++) {
		v = v * base + (unsigned)hex_value(*p);
		if (v > UINT64_MAX) {
			*overflow = true;
			v = (unsigned __int128)UINT64_MAX + 1; /* stays above the limit */
		}
	}
	if (p == digits)
		return -EINVAL;
	if (base == 10 && *p && strchr("kKmMgG", *p)) {
		shift = (*p | 0x20) == 'k' ? 10 : (*p | 0x20) == 'm' ? 20 : 30;
		p++;
	}
	v <<= shift;
	if (v > UINT64_MAX)
		*overflow = true;
	if (*p)
		return -EINVAL;
	if (*overflow)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

static void check_word(const char *w)
{
	uint64_t got = 0x5a5a, want = 0;
	bool overflow;
	int r = shell_parse_u64(w, &got);
	int ref = reference_parse(w, &want, &overflow);

	FUZZ_CHECK(shell_parse_error(r) != NULL, "shell: no message for %d", r);
	if (ref == 0) {
		FUZZ_CHECK(r == 0 && got == want, "shell: parse('%s') -> %d %#llx, want %#llx", w,
		           r, (unsigned long long)got, (unsigned long long)want);
	} else if (ref == -ERANGE) {
		FUZZ_CHECK(r == -ERANGE, "shell: parse('%s') -> %d, want -ERANGE", w, r);
	} else {
		FUZZ_CHECK(r == -EINVAL || (overflow && r == -ERANGE),
		           "shell: parse('%s') -> %d, want -EINVAL", w, r);
	}
}

static void check_line(const char *line)
{
	char copy[CONFIG_SHELL_LINE_MAX];
	char *argv[SHELL_MAX_ARGS + 1];
	size_t len = strlen(line);
	int max = SHELL_MAX_ARGS, argc;

	FUZZ_CHECK(len < sizeof(copy), "shell: line of %zu bytes", len);
	memcpy(copy, line, len + 1);
	argv[max] = (char *)"sentinel";
	argc = shell_split(copy, argv, max);
	FUZZ_CHECK(argc == -ERANGE || (argc >= 0 && argc <= max), "shell: split -> %d", argc);
	FUZZ_CHECK(strcmp(argv[max], "sentinel") == 0, "shell: split wrote past argv[max]");
	if (argc == -ERANGE)
		argc = max;
	for (int i = 0; i < argc; i++) {
		FUZZ_CHECK(argv[i] >= copy && argv[i] < copy + len, "shell: word outside the line");
		FUZZ_CHECK(argv[i][0] != '\0' && !strpbrk(argv[i], " \t"),
		           "shell: word %d '%s' is empty or holds a blank", i, argv[i]);
		FUZZ_CHECK(i == 0 || argv[i] > argv[i - 1], "shell: words out of order");
		check_word(argv[i]);
	}
	FUZZ_CHECK(shell_split(copy, argv, 0) <= 0, "shell: split into 0 words");
}

static void check_editor(const struct shell_editor *ed)
{
	FUZZ_CHECK(ed->len < CONFIG_SHELL_LINE_MAX && ed->draft_len < CONFIG_SHELL_LINE_MAX,
	           "shell: line length %zu, draft %zu", ed->len, ed->draft_len);
	FUZZ_CHECK(ed->hist_count <= CONFIG_SHELL_HISTORY && ed->hist_pos <= ed->hist_count,
	           "shell: history count %zu position %zu", ed->hist_count, ed->hist_pos);
	for (size_t age = 0; age < ed->hist_count; age++)
		expect_string(shell_history_entry(ed, age), CONFIG_SHELL_LINE_MAX, "history entry");
	FUZZ_CHECK(shell_history_entry(ed, ed->hist_count) == NULL, "shell: history past its end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct shell_editor ed;

	shell_editor_init(&ed, count_echo, NULL);
	for (size_t i = 0; i < size; i++) {
		enum shell_edit_event ev;

		echoed = 0;
		ev = shell_editor_feed(&ed, data[i]);
		FUZZ_CHECK(echoed <= MAX_ECHO_PER_BYTE, "shell: %zu bytes echoed for one key",
		           echoed);
		FUZZ_CHECK(ev == SHELL_EDIT_MORE || ev == SHELL_EDIT_LINE ||
		               ev == SHELL_EDIT_CANCEL,
		           "shell: feed -> %d", ev);
		if (ev == SHELL_EDIT_LINE) {
			const char *line = shell_editor_line(&ed);

			expect_string(line, CONFIG_SHELL_LINE_MAX, "line");
			check_line(line);
		}
		check_editor(&ed);
	}
	return 0;
}
