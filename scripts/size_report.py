#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Footprint of the built kernel: sizes per output section and per source directory.

    size_report.py --elf bora.elf --map bora.map [--files]

The ELF (pyelftools) gives each allocated output section's size and kind: text (executable),
rodata (read-only), data (writable, loaded) or bss (writable, not loaded). The linker map
gives the input sections the linker kept (after --gc-sections) and the object each came
from, so every byte is charged to a directory of the tree (arch, kernel, mm, lib, tests,
gen for generated sources, libgcc). Bytes of an output section no input section accounts
for are alignment padding; NOBITS sections that only reserve space (the boot stack and the
heap) are charged to "(reserved)". Every column therefore adds up to the ELF's numbers.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

KINDS = ("text", "rodata", "data", "bss")
OUTPUT_HEAD = re.compile(r"^(\.\S+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?")
INPUT_FULL = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
INPUT_NAME = re.compile(r"^ (\S+)$")
INPUT_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
FILL = re.compile(r"^ \*fill\*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")


def section_kind(sec):
    flags = sec["sh_flags"]
    if flags & SH_FLAGS.SHF_EXECINSTR:
        return "text"
    if sec["sh_type"] == "SHT_NOBITS":
        return "bss"
    if flags & SH_FLAGS.SHF_WRITE:
        return "data"
    return "rodata"


def elf_sections(path):
    """{name: (kind, size)} for every allocated section with a size."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        return {s.name: (section_kind(s), s["sh_size"]) for s in elf.iter_sections()
                if s["sh_flags"] & SH_FLAGS.SHF_ALLOC and s["sh_size"]}


def owner(obj):
    """(directory, object) an input file is charged to."""
    if "libgcc.a" in obj:
        return "libgcc", "libgcc" + (obj[obj.index("("):] if "(" in obj else "")
    marker = "/build/kernel/"
    rel = obj[obj.index(marker) + len(marker):] if marker in obj else obj
    if rel.startswith("build/kernel/"):
        rel = rel[len("build/kernel/"):]
    rel = re.sub(r"\.o$", "", rel)
    top = rel.split("/", 1)[0] if "/" in rel else "(other)"
    return top, rel


def map_inputs(path, wanted):
    """[(output section, object, size)] of the input sections in the map's memory map."""
    out, current, pending = [], None, None
    with open(path) as f:
        text = f.read()
    start = text.find("Linker script and memory map")
    if start < 0:
        raise SystemExit("size_report: %s has no memory map (was it written by ld -Map?)" % path)
    for line in text[start:].splitlines():
        head = OUTPUT_HEAD.match(line)
        if head:
            current = head.group(1) if head.group(1) in wanted else None
            pending = None
            continue
        if current is None or FILL.match(line):
            pending = None
            continue
        m = INPUT_FULL.match(line)
        if m:
            size, obj = int(m.group(3), 16), m.group(4)
        elif pending and INPUT_REST.match(line):
            m = INPUT_REST.match(line)
            size, obj = int(m.group(2), 16), m.group(3)
        else:
            name = INPUT_NAME.match(line)
            pending = name.group(1) if name else None
            continue
        pending = None
        if size:
            out.append((current, obj.strip(), size))
    return out


def human(n):
    return "%d" % n


def report(elf_path, map_path, files):
    sections = elf_sections(elf_path)
    inputs = map_inputs(map_path, sections)
    by_dir = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    by_obj = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    charged = defaultdict(int)
    for sec, obj, size in inputs:
        kind = sections[sec][0]
        top, rel = owner(obj)
        by_dir[top][kind] += size
        by_obj[(top, rel)][kind] += size
        charged[sec] += size
    for sec, (kind, size) in sections.items():
        rest = size - charged[sec]
        if rest < 0:
            raise SystemExit("size_report: the map charges %d bytes to %s, the ELF says %d"
                             % (charged[sec], sec, size))
        if rest:
            # A NOBITS section nothing was placed in only reserves space (stack, heap).
            row = "(reserved)" if kind == "bss" and charged[sec] == 0 else "(padding)"
            by_dir[row][kind] += rest

    lines = ["Bora footprint of %s" % elf_path, "",
             "  %-12s %10s  %s" % ("section", "bytes", "kind")]
    for name, (kind, size) in sections.items():
        lines.append("  %-12s %10d  %s" % (name, size, kind))
    total = {k: sum(s for kk, s in sections.values() if kk == k) for k in KINDS}
    rom = total["text"] + total["rodata"] + total["data"]
    ram = total["data"] + total["bss"]
    lines += ["", "  ROM (text + rodata + data): %d bytes; RAM (data + bss, stack and heap "
              "included): %d bytes" % (rom, ram), ""]
    lines.append("  %-28s %9s %9s %9s %9s %9s" % (("directory",) + KINDS + ("total",)))
    order = sorted(d for d in by_dir if not d.startswith("(")) + \
        sorted(d for d in by_dir if d.startswith("("))
    for d in order:
        row = by_dir[d]
        lines.append("  %-28s %9d %9d %9d %9d %9d" % ((d,) + tuple(row[k] for k in KINDS) +
                                                     (sum(row.values()),)))
        if files:
            objs = sorted((o for o in by_obj if o[0] == d),
                          key=lambda o: (-sum(by_obj[o].values()), o[1]))
            for o in objs:
                r = by_obj[o]
                lines.append("    %-26s %9d %9d %9d %9d %9d" % ((o[1],) + tuple(r[k] for k in KINDS)
                                                               + (sum(r.values()),)))
    lines.append("  %-28s %9d %9d %9d %9d %9d" % (("total",) + tuple(total[k] for k in KINDS) +
                                                 (sum(total.values()),)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--elf", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--files", action="store_true", help="list every object under its directory")
    args = ap.parse_args()
    for p in (args.elf, args.map):
        if not os.path.isfile(p):
            sys.stderr.write("size_report: %s not found: run make first\n" % p)
            return 1
    print(report(args.elf, args.map, args.files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
