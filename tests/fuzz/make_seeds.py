#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Regenerate the seed inputs in tests/fuzz/corpus/<target>/seed-*.

The allocator targets read their input as a stream of operations, so their
seeds are deterministic pseudo-random byte strings of varied length whose first
bytes pick different heap shapes (and, for kmalloc, each byte allocator and
mode). The shell seeds are typed lines: commands, numbers at the edges of 64
bits, editing and history keys, stray escape sequences. The FDT seeds are real device trees: the unit-test sources in
tests/unit/fdt/ compiled with dtc, the trees QEMU generates for the boards
Bora supports (when qemu-system-riscv64 is installed), and damaged copies
(truncated, wrong magic, version, offsets, tokens) so the fuzzer starts next
to every error path. The IPC seeds are short syscall programs: call and reply,
timeouts, kills, grants, notifications, bad handles and buffers. Files named
regress-* (crash reproducers) are kept.

Usage: tests/fuzz/make_seeds.py [target ...]   (default: every target)
"""

import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
ALLOC_TARGETS = ["tlsf", "buddy", "bitmap_buddy", "slab", "bitmap_page", "id_alloc", "kmalloc"]
SEEDS_PER_TARGET = 24
QEMU_MACHINES = ["virt", "sifive_u", "spike"]


def write(target, name, data):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)


def clear_seeds(target):
    for f in (CORPUS / target).glob("seed-*"):
        f.unlink()


def alloc_seeds(target):
    rng = random.Random("bora-fuzz-" + target)
    for i in range(SEEDS_PER_TARGET):
        length = rng.choice([16, 64, 256, 512, 1024, 2048])
        data = bytearray(rng.getrandbits(8) for _ in range(length))
        if target == "kmalloc":
            data[0] = i % 4          # which byte allocator
            data[1] = (i // 4) % 8   # size bit, debug mode, page source
        else:
            # Spread the heap-shape selector over its ranges (tiny, small, large).
            data[0] = [3, 40, 120, 170, 230, 250][i % 6]
        write(target, "seed-%02d" % i, bytes(data))


def dtbs():
    """(name, blob) for every real device tree we can produce here."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        for dts in sorted((ROOT / "tests" / "unit" / "fdt").glob("*.dts")):
            out = Path(tmp) / (dts.stem + ".dtb")
            flags = ["-Wno-avoid_default_addr_size"] if dts.stem == "cells" else []
            subprocess.run(["dtc", *flags, "-I", "dts", "-O", "dtb", "-o", str(out), str(dts)],
                           check=True, stderr=subprocess.DEVNULL)
            found.append((dts.stem, out.read_bytes()))
            out16 = Path(tmp) / (dts.stem + "-v16.dtb")
            subprocess.run(["dtc", *flags, "-V", "16", "-I", "dts", "-O", "dtb", "-o", str(out16),
                            str(dts)], check=True, stderr=subprocess.DEVNULL)
            found.append((dts.stem + "-v16", out16.read_bytes()))
        if shutil.which("qemu-system-riscv64"):
            for machine in QEMU_MACHINES:
                out = Path(tmp) / (machine + ".dtb")
                proc = subprocess.run(["qemu-system-riscv64", "-M", "%s,dumpdtb=%s" % (machine, out),
                                       "-nographic"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
                if proc.returncode == 0 and out.exists():
                    blob = out.read_bytes()  # QEMU pads the dump; keep totalsize bytes
                    found.append(("qemu-" + machine, blob[: struct.unpack_from(">I", blob, 4)[0]]))
    return found


def damaged(blob):
    """Copies of a blob with one header field or token broken each."""
    be32 = lambda b, off: struct.unpack_from(">I", b, off)[0]
    def patch(off, value):
        b = bytearray(blob)
        struct.pack_into(">I", b, off, value & 0xffffffff)
        return bytes(b)
    off_struct, off_strings, off_rsvmap = be32(blob, 8), be32(blob, 12), be32(blob, 16)
    yield "truncated", blob[: len(blob) // 2]
    yield "header-only", blob[:40]
    yield "bad-magic", patch(0, 0xd00dfeee)
    yield "bad-version", patch(20, 15)
    yield "totalsize-huge", patch(4, 0x80000001)
    yield "struct-outside", patch(8, len(blob) + 4)
    yield "strings-outside", patch(12, len(blob) - 2)
    yield "rsvmap-misaligned", patch(16, off_rsvmap + 2)
    yield "no-end-token", blob[: off_strings - 4] + b"\0\0\0\x04" + blob[off_strings:]
    yield "bad-token", patch(off_struct + 8 + 4, 0x77)


def fdt_seeds():
    real = dtbs()
    n = 0
    for name, blob in real:
        write("fdt", "seed-%02d-%s" % (n, name), blob)
        n += 1
    base = dict(real).get("qemu-virt") or real[0][1]
    for name, blob in damaged(base):
        write("fdt", "seed-%02d-%s" % (n, name), blob)
        n += 1
    # Deep nesting: one more level than CONFIG_FDT_MAX_DEPTH allows by default.
    with tempfile.TemporaryDirectory() as tmp:
        dts = Path(tmp) / "deep.dts"
        body = "".join("n%d {\n" % i for i in range(18)) + "};\n" * 18
        dts.write_text("/dts-v1/;\n/ {\n#address-cells = <2>;\n#size-cells = <2>;\n%s};\n" % body)
        out = Path(tmp) / "deep.dtb"
        subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", str(out), str(dts)], check=True,
                       stderr=subprocess.DEVNULL)
        write("fdt", "seed-%02d-too-deep" % n, out.read_bytes())


SHELL_SEEDS = [
    b"help\r", b"version\r\n", b"alloc 4k 64\r", b"alloc 0x1000 0X40\n",
    b"alloc 99999999999999999999\r", b"alloc 1G\r", b"alloc 12q 3\r", b"alloc 0x\r",
    b"a b c d e f g h i j\r", b"  \t spaced \t  out  \r", b"\r\r\n\n",
    b"heap check\r\x1b[A\x1b[A\x1b[B\r", b"meminfo\rconfig HEAP\r\x1b[A\x1b[A\x1b[A\r",
    b"typo\x7f\x7f\x08o\r", b"drop this\x15kept\r", b"cancel\x03after\r",
    b"x" * 40 + b"\r", b"\x1b[C\x1b[D\x1bOA\x1b[1;5A\x1b[\r", b"\x00\x01\x1f\x80\xfe\xffok\r",
    b"18446744073709551615\r18446744073709551616\r16777216G\r17179869183G\r",
    b"0xffffffffffffffff 0x10000000000000000 0xg k 7K 7m 7M 7g\r",
    b"1\r2\r3\r4\r5\r6\r\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\x1b[B\r",
]


def shell_seeds():
    for i, data in enumerate(SHELL_SEEDS):
        write("shell", "seed-%02d" % i, data)


# IPC (fuzz_ipc.c): steps of (op = kind << 3 | thread, then the syscall's fields).
IPC_BASE = 64
IPC = dict(send=0, recv=1, call=2, reply=3, reply_recv=4, close=5, mint=6, ep_create=7,
           notify_create=8, signal=9, wait=10, irq_bind=11, irq_ack=12, map=13)
TMO = dict(no_wait=0, forever=1, short=2)


def ipc_syscall(thread, name, a0=0, words=0, length=0, cap=0, tmo="forever", grant=None,
                arg=0, buf=16):
    nr = IPC_BASE + IPC[name]
    out = bytes([thread, nr - (IPC_BASE - 1), a0 & 0xff, 0])
    if name == "map":
        out += bytes([3]) + struct.pack("<H", arg) + bytes([1])
    elif name in ("mint", "signal", "irq_bind"):
        out += bytes([arg])
    else:
        how = TMO[tmo] | (0x10 if grant else 0)
        out += bytes([how, words, 1, length, 1, cap])
        if grant:
            out += bytes(grant)
    return out + bytes([1, 2, 3, 4, 3]) + struct.pack("<H", buf)


def ipc_timeout(thread):
    return bytes([20 << 3 | thread])


def ipc_kill(thread):
    return bytes([24 << 3 | thread])


def ipc_irq():
    return bytes([26 << 3])


def ipc_resume(thread):
    return bytes([28 << 3 | thread])


def ipc_seeds():
    s = ipc_syscall
    seeds = [
        s(0, "recv") + s(1, "call", words=2, length=8, cap=8) + ipc_resume(0) +
        s(0, "reply_recv", words=1, length=4) + ipc_resume(1),
        s(1, "call", words=4, tmo="short") + s(4, "call", words=1) + s(0, "recv") +
        s(0, "reply_recv") + ipc_timeout(4) + ipc_resume(1),
        s(2, "recv", a0=0) + s(1, "send", words=1, length=31) + ipc_resume(2),
        s(1, "call", grant=(1, 0xf)) + s(0, "recv", cap=16) + ipc_resume(0) +
        s(0, "reply", grant=(0, 1)) + ipc_resume(1),
        s(1, "call") + s(0, "recv") + ipc_kill(0) + ipc_resume(1) + s(1, "call"),
        s(1, "call") + s(0, "recv") + ipc_kill(1) + s(0, "reply") + s(0, "reply"),
        s(0, "wait", a0=1, tmo="short") + s(1, "signal", a0=1, arg=5) + ipc_resume(0) +
        s(2, "wait", a0=1) + ipc_timeout(2),
        s(0, "ep_create") + s(0, "mint", a0=2, arg=1) + s(0, "close", a0=2) +
        s(0, "send", a0=3, tmo="no_wait") + s(0, "notify_create"),
        s(1, "close", a0=0) + s(0, "recv") + s(4, "close", a0=0) + s(3, "recv"),
        s(5, "recv", a0=0, cap=200) + s(3, "close", a0=0) + s(4, "send", a0=0) + ipc_kill(5),
        s(1, "send", a0=9) + s(1, "send", a0=-1) + s(2, "send") + s(0, "irq_bind"),
        s(0, "recv", cap=40, buf=0x2000 - 8) + s(1, "send", length=30, buf=0x3000),
        s(0, "irq_bind", a0=2, arg=1) + s(3, "wait", a0=1) + ipc_irq() + ipc_resume(3) +
        s(0, "irq_ack", a0=2) + ipc_irq() + s(0, "close", a0=2) + s(0, "map", a0=3, arg=0),
    ]
    for i, data in enumerate(seeds):
        write("ipc", "seed-%02d" % i, data)


def main(argv):
    targets = argv or ALLOC_TARGETS + ["fdt", "shell", "ipc"]
    for t in targets:
        clear_seeds(t)
        if t == "fdt":
            fdt_seeds()
        elif t == "shell":
            shell_seeds()
        elif t == "ipc":
            ipc_seeds()
        elif t in ALLOC_TARGETS:
            alloc_seeds(t)
        else:
            sys.exit("make_seeds: unknown target %s" % t)
        print("%-13s %d files" % (t, len(list((CORPUS / t).iterdir()))))


if __name__ == "__main__":
    main(sys.argv[1:])
