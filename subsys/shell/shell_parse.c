// SPDX-License-Identifier: MIT
/*
 * Command-line parsing for the kernel shell. No kernel dependencies: the host
 * unit test and the fuzzer build this file unchanged.
 */
#include <bora/errno.h>
#include <bora/shell.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int shell_split(char *line, char *argv[], int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			return argc;
		if (argc == max)
			return -ERANGE;
		argv[argc++] = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
		if (*p == '\0')
			return argc;
		*p++ = '\0';
	}
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 10;
	case 'm':
	case 'M':
		return 20;
	case 'g':
	case 'G':
		return 30;
	default:
		return 0;
	}
}

int shell_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10, shift;
	uint64_t v = 0;
	const char *p = s;

	if (!s || !out)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return -EINVAL; /* "" or a bare "0x" */
	for (; *p != '\0'; p++) {
		int d = digit_value(*p);

		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
	}
	if (p == s || (base == 16 && p == s + 2))
		return -EINVAL; /* no digit at all, e.g. "k" or "0xg" */
	/* A hex digit string cannot take a suffix: "0x1k"... is a stray letter. */
	shift = base == 10 ? suffix_shift(*p) : 0;
	if (shift) {
		p++;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	if (*p != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

const char *shell_parse_error(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EINVAL:
		return "not a number (decimal, 0x hex, optional k/M/G suffix)";
	case -ERANGE:
		return "out of range";
	default:
		return "unparsable";
	}
}
