// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the kernel command-line lookup (lib/cmdline.c,
 * include/bora/cmdline.h). The input is "key 0xff line": the line is what a
 * device tree's bootargs could hold, NUL bytes and any length included; the
 * key is what a caller could ask for, bad keys included.
 *
 * cmdline_find must never read past `len` nor past a NUL, and must agree with
 * a reference written from the header's description: cut the line into words
 * at blanks, and take the last word that is the key or starts with "key=".
 */
#include "shadow.h"

#include <bora/cmdline.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool key_ok(const char *key)
{
	if (!*key)
		return false;
	for (; *key; key++)
		if (*key == '=' || blank(*key))
			return false;
	return true;
}

/* The last matching word's value as an offset and length into line; -1 when none. */
static long reference(const char *line, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key), end = strnlen(line, len);
	long found = -1;

	for (size_t w = 0; w < end;) {
		size_t n = 0;

		if (blank(line[w])) {
			w++;
			continue;
		}
		while (w + n < end && !blank(line[w + n]))
			n++;
		if (n == klen && !strncmp(line + w, key, klen)) {
			found = (long)(w + n);
			*vlen = 0;
		} else if (n > klen && !strncmp(line + w, key, klen) && line[w + klen] == '=') {
			found = (long)(w + klen + 1);
			*vlen = n - klen - 1;
		}
		w += n;
	}
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t klen = sep ? (size_t)(sep - data) : 0;
	size_t len = sep ? size - klen - 1 : size;
	char key[64];
	char *line;
	const char *val = NULL;
	size_t vlen = 0, want_len = 0;
	long want;
	int r;

	if (klen >= sizeof(key) || memchr(data, 0, klen))
		return 0;
	memcpy(key, data, klen);
	key[klen] = '\0';
	/* Exactly len bytes on the heap, so ASan catches a read past the end. */
	line = malloc(len ? len : 1);
	FUZZ_CHECK(line != NULL, "cmdline: out of memory");
	memcpy(line, sep ? sep + 1 : data, len);

	r = cmdline_find(line, len, key, &val, &vlen);
	if (!key_ok(key)) {
		FUZZ_CHECK(r == -EINVAL, "cmdline: bad key '%s' gave %d", key, r);
	} else {
		want = reference(line, len, key, &want_len);
		if (want < 0) {
			FUZZ_CHECK(r == -ENOENT, "cmdline: '%s' absent but found (%d)", key, r);
		} else {
			FUZZ_CHECK(r == 0, "cmdline: '%s' present at %ld but %d", key, want, r);
			FUZZ_CHECK(val == line + want && vlen == want_len,
			           "cmdline: '%s' value at %ld+%zu, want %ld+%zu", key,
			           (long)(val - line), vlen, want, want_len);
		}
	}
	free(line);
	return 0;
}
