#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Regenerate tests/fuzz/corpus/{elf,user_range}/seed-*.

elf: a small valid RISC-V executable (the layout of tests/unit/elf_image.h),
damaged copies next to each of the parser's errors, and, when a build
directory is given, the stripped user programs the kernel embeds.
user_range: (addr, len) pairs at the edges of the user half.

Usage: tests/fuzz/make_elf_seeds.py [O-dir with build/user/*.stripped]
"""

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
EHDR = "<16sHHIQQQIHHHHHH"
PHDR = "<IIQQQQQQ"
USER_VA_START, USER_VA_END = 0x10000, 1 << 38


def image(segs=None, entry=0x10000110, flags=1, etype=2, machine=243, ident=None):
    segs = segs if segs is not None else [
        (1, 5, 0x100, 0x10000100, 0x400, 0x400),
        (1, 4, 0x600, 0x10001600, 0x100, 0x100),
        (1, 6, 0x800, 0x10002800, 0x800, 0x2800),
    ]
    ident = ident or b"\x7fELF\x02\x01\x01" + bytes(9)
    out = bytearray(0x1000)
    out[:64] = struct.pack(EHDR, ident, etype, machine, 1, entry, 64, 0, flags, 64, 56,
                           len(segs), 0, 0, 0)
    for i, (ptype, pflags, off, va, filesz, memsz) in enumerate(segs):
        out[64 + 56 * i:120 + 56 * i] = struct.pack(PHDR, ptype, pflags, off, va, va, filesz,
                                                    memsz, 0x1000)
        for b in range(filesz):
            if off + b < len(out):
                out[off + b] = (0x10 * (i + 1) + b) & 0xff
    return bytes(out)


def elf_seeds():
    text = (1, 5, 0x100, 0x10000100, 0x400, 0x400)
    seeds = {
        "valid": image(),
        "magic": b"\x7fELf" + image()[4:],
        "class32": image(ident=b"\x7fELF\x01\x01\x01" + bytes(9)),
        "big_endian": image(ident=b"\x7fELF\x02\x02\x01" + bytes(9)),
        "relocatable": image(etype=1),
        "x86_64": image(machine=62),
        "double_float": image(flags=5),
        "truncated_phdrs": image()[:100],
        "interp": image(segs=[text, (3, 4, 0x2000, 0, 0x10, 0x10)]),
        "past_file": image(segs=[text, (1, 4, 0x800, 0x10001800, 0x1000, 0x1000)]),
        "filesz_over_memsz": image(segs=[text, (1, 4, 0x600, 0x10001600, 0x100, 0x80)]),
        "misaligned": image(segs=[text, (1, 4, 0x608, 0x10001600, 0x100, 0x100)]),
        "kernel_half": image(segs=[text, (1, 6, 0x800, 0xffffffc080200800, 0x10, 0x10)]),
        "below_user": image(segs=[(1, 5, 0x100, 0x1100, 0x400, 0x400)], entry=0x1110),
        "wx": image(segs=[(1, 7, 0x100, 0x10000100, 0x400, 0x400)]),
        "overlap": image(segs=[text, (1, 4, 0x600, 0x10000600, 0x100, 0x100)]),
        "entry_in_data": image(entry=0x10002804),
        "no_segments": image(segs=[]),
        "bss_only": image(segs=[text, (1, 6, 0x800, 0x10004800, 0, 0x3000)]),
    }
    return seeds


def main():
    out = CORPUS / "elf"
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob("seed-*"):
        f.unlink()
    for name, data in elf_seeds().items():
        (out / ("seed-" + name)).write_bytes(data)
    if len(sys.argv) > 1:
        for prog in ("hello", "init", "fault_exec_data"):
            p = Path(sys.argv[1]) / "build" / "user" / (prog + ".stripped")
            (out / ("seed-program-" + prog)).write_bytes(p.read_bytes())
    out = CORPUS / "user_range"
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob("seed-*"):
        f.unlink()
    pairs = [(USER_VA_START, 1), (USER_VA_START - 1, 1), (USER_VA_END - 1, 1),
             (USER_VA_END - 1, 2), (USER_VA_END, 0), (0, 0), (USER_VA_START, (1 << 64) - 1),
             (0xffffffc080200000, 16), ((1 << 64) - 1, 1), (0x10000000, (1 << 64) - 0x10000000)]
    for i, (a, n) in enumerate(pairs):
        (out / ("seed-%02d" % i)).write_bytes(struct.pack("<QQ", a, n))


if __name__ == "__main__":
    main()
