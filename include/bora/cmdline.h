/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line: the device tree's /chosen "bootargs" (Devicetree
 * Specification v0.4, section 3.6; QEMU fills it from -append). Words are
 * separated by blanks; each is "key" or "key=value", and a value holds no
 * blank. A key given twice takes its last value, so a later word overrides an
 * earlier default.
 */
#ifndef BORA_CMDLINE_H
#define BORA_CMDLINE_H

#include <bora/types.h>

/*
 * The value of `key` in `line` (`len` bytes; a NUL ends it early): 0 with
 * *val and *vlen pointing into line ("" for a bare key), -ENOENT when no word has
 * that key, -EINVAL for a NULL argument or an empty key or a key holding '='
 * or a blank.
 */
int cmdline_find(const char *line, size_t len, const char *key, const char **val, size_t *vlen);

/* The kernel's own line from the device tree ("" when there is none). */
const char *kernel_cmdline(void);

/* cmdline_find on the kernel's line. */
int kernel_cmdline_get(const char *key, const char **val, size_t *vlen);

/* Whether the kernel's line gives `key` exactly the value `value`. */
bool kernel_cmdline_is(const char *key, const char *value);

#endif
