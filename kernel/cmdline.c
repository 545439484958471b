// SPDX-License-Identifier: MIT
/* The kernel command line from /chosen "bootargs" (include/bora/cmdline.h). */
#include <bora/cmdline.h>
#include <bora/devicetree.h>
#include <bora/errno.h>
#include <bora/string.h>

/* The property as found: NUL-terminated by the spec, but only its length is trusted. */
static const char *line_of(size_t *len)
{
	const struct fdt *fdt = dt_get();
	const char *prop;
	uint32_t plen;
	int node, err;

	*len = 0;
	if (!fdt)
		return "";
	node = fdt_path(fdt, "/chosen");
	if (node < 0)
		return "";
	prop = fdt_prop(fdt, node, "bootargs", &plen, &err);
	if (!prop || !plen || prop[plen - 1] != '\0')
		return "";
	*len = plen - 1;
	return prop;
}

const char *kernel_cmdline(void)
{
	size_t len;

	return line_of(&len);
}

int kernel_cmdline_get(const char *key, const char **val, size_t *vlen)
{
	size_t len;
	const char *line = line_of(&len);

	return cmdline_find(line, len, key, val, vlen);
}

bool kernel_cmdline_is(const char *key, const char *value)
{
	const char *val;
	size_t vlen;

	return value && kernel_cmdline_get(key, &val, &vlen) == 0 && vlen == strlen(value) &&
	       memcmp(val, value, vlen) == 0;
}
