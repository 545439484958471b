#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the resolved configuration into the C table behind the shell's `config` command.

    gen_config_table.py AUTOCONF_H AUTO_CONF OUT_C

Every `#define CONFIG_<NAME>` of autoconf.h (the header the kernel is compiled
with, in its order) becomes {"CONFIG_<NAME>", "<value>"} with the value as
.config writes it: strings are taken from the header as quoted C literals, the
rest from auto.conf, where a bool reads y and an int 1 reads 1 (the header
says 1 for both). The output is replaced only when its text changes, so an
unchanged configuration recompiles nothing.
"""

import os
import re
import sys

DEFINE = re.compile(r"^#define (CONFIG_\w+) (.*)$")


def read_auto_conf(path):
    values = {}
    with open(path) as f:
        for line in f:
            if line.startswith("CONFIG_") and "=" in line:
                name, value = line.rstrip("\n").split("=", 1)
                values[name] = value
    return values


def c_string(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: gen_config_table.py AUTOCONF_H AUTO_CONF OUT_C\n")
        return 2
    plain = read_auto_conf(argv[2])
    entries = []
    with open(argv[1]) as f:
        for line in f:
            m = DEFINE.match(line.rstrip("\n"))
            if not m:
                continue
            name, literal = m.groups()
            if literal.startswith('"'):
                entries.append((name, literal))
            elif name in plain:
                entries.append((name, plain[name]))
            else:
                sys.stderr.write("gen_config_table.py: %s is in %s but not in %s: run "
                                 "make olddefconfig\n" % (name, argv[1], argv[2]))
                return 1
    out = ["/* Generated from %s by scripts/gen_config_table.py; do not edit. */" % argv[1],
           "#include <bora/shell.h>", "",
           "const struct shell_config_entry shell_config_table[] = {"]
    out += ["\t{%s, %s}," % (c_string(n), c_string(v)) for n, v in entries]
    out += ["};", "const size_t shell_config_count = %d;" % len(entries), ""]
    text = "\n".join(out)
    try:
        with open(argv[3]) as f:
            if f.read() == text:
                os.utime(argv[3])  # up to date for make; the content is the same
                return 0
    except FileNotFoundError:
        pass
    tmp = argv[3] + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
