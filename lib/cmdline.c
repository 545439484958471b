// SPDX-License-Identifier: MIT
/* Word lookup in a command line (include/bora/cmdline.h); no allocation, no copy. */
#include <bora/cmdline.h>
#include <bora/errno.h>
#include <bora/string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool key_is_valid(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++)
		if (*p == '=' || is_blank(*p))
			return false;
	return true;
}

int cmdline_find(const char *line, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t klen, i = 0;
	int found = -ENOENT;

	if (!line || !key || !val || !vlen || !key_is_valid(key))
		return -EINVAL;
	klen = strlen(key);
	while (i < len && line[i]) {
		size_t start, end;

		while (i < len && line[i] && is_blank(line[i]))
			i++;
		start = i;
		while (i < len && line[i] && !is_blank(line[i]))
			i++;
		end = i;
		if (end - start < klen || memcmp(line + start, key, klen) != 0)
			continue;
		if (end - start == klen) {
			*val = line + end;
			*vlen = 0;
			found = 0;
		} else if (line[start + klen] == '=') {
			*val = line + start + klen + 1;
			*vlen = end - (start + klen + 1);
			found = 0;
		}
	}
	return found;
}
