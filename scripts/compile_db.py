#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write compile_commands.json (the Clang JSON compilation database) from make's list.

    compile_db.py SOURCE_ROOT LIST OUT

LIST has one tab-separated line per translation unit: source, object, compiler and flags,
as scripts/mk/dx.mk writes them from the Makefile's own variables. A file listed twice (a
unit-test source shared by several test programs) keeps its first entry, which is what
clangd would pick anyway.
"""

import json
import os
import sys


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: compile_db.py SOURCE_ROOT LIST OUT\n")
        return 2
    root, listing, out = argv[1:]
    entries, seen = [], set()
    with open(listing) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            src, obj, command = line.split("\t", 2)
            if src in seen:
                continue
            seen.add(src)
            entries.append({
                "directory": root,
                "file": os.path.normpath(os.path.join(root, src)),
                "output": obj,
                "command": "%s -c -o %s %s" % (" ".join(command.split()), obj, src),
            })
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(entries, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
