#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Kernel figures per defconfig for `make bench` (issue 6).

For every defconfigs/*_defconfig, in its own O= directory under --out-dir/kernel/:
  footprint    text, data and bss of bora.elf (binutils size, Berkeley format)
  boot cost    guest instructions from the kernel's entry to the return of the printk
               that prints "Bora: boot complete": QEMU runs with -icount shift=0, so
               minstret counts instructions, and gdb-multiarch reads it at both points
               through QEMU's gdbstub (median of --boots runs). Every hart's instructions
               count, OpenSBI's work for SBI calls included. While the guest idles, QEMU
               (sleep=on) advances the counter with real time; sleep=off breaks minstret
               reads through the gdbstub in QEMU 7.2, so a few hundred instructions of
               spread between boots remain and are reported.
  page tables  the boot table's pages (ELF symbol boot_pt_sv39) and, when the kernel
               remaps, the page-table pages it reports building
and, for the first defconfig of each heap allocator, the ktest "bench" suite
(tests/kernel/test_bench.c) booted under -icount shift=0, and with that kernel on virt the
SMP figures (scripts/bench_smp.py: IPI round trip, allocation scaling over harts).
Writes --out-dir/kernel.json and prints a table.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from elftools.elf.elffile import ELFFile

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_smp  # noqa: E402  (scripts/, next to this file; tests load this file by path)

ROOT = Path(__file__).resolve().parents[1]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
BOOT_DONE = b"Bora: boot complete\n\0"
BENCH_FRAGMENT = "tests/bench/ktest_bench.config"
# A figure an issue sets a goal for: "bench: goal <what> figure=<n> limit=<n> unit=<u> met|missed".
GOAL_LINE = re.compile(r"^bench: goal (\S+) figure=(\d+) limit=(\d+) unit=(\S+) (met|missed)", re.M)
FIGURE_LINE = re.compile(r"^bench: figure (\S+) value=(\d+) unit=(\S+)", re.M)
BENCH_LINE = re.compile(r"^bench: (\S+) (\S+) size=(\d+) n=(\d+) alloc_mean=([\d.]+) "
                        r"alloc_max=(\d+) free_mean=([\d.]+) free_max=(\d+) unit=(\w+)", re.M)


class Failure(Exception):
    pass


def make(out, *args, fragments=None):
    cmd = ["make", "PYTHON=" + PYTHON, "O=%s" % out]
    if fragments:
        cmd.append("KCONFIG_FRAGMENTS=" + fragments)
    proc = subprocess.run(cmd + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-5:])
        raise Failure("make %s failed: %s" % (" ".join(args), tail))


def build(out, defconfig, fragments=None):
    make(out, defconfig, fragments=fragments)
    make(out, "-j2", "all")
    return out / "bora.elf"


def read_config(out):
    values = {}
    for line in (out / "include" / "config" / "auto.conf").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            values[k] = v.strip('"')
    return values


def qemu_command(out, cfg, extra):
    ram = "%dM" % (int(cfg["CONFIG_RAM_SIZE"], 0) >> 20)
    cmd = ["qemu-system-riscv64", "-M", cfg["CONFIG_QEMU_MACHINE"], "-m", ram, "-nographic",
           "-bios", OPENSBI, "-kernel", str(out / "bora.elf")]
    if cfg.get("CONFIG_SEMIHOSTING_EXIT") == "y":  # as the Makefile's QEMU_CMD
        cmd += ["-semihosting-config", "enable=on,target=native"]
    return cmd + cfg.get("CONFIG_QEMU_EXTRA_FLAGS", "").split() + extra


def footprint(elf):
    proc = subprocess.run(["riscv64-unknown-elf-size", "-B", str(elf)], stdout=subprocess.PIPE,
                          text=True, check=True)
    text, data, bss = proc.stdout.splitlines()[1].split()[:3]
    return int(text), int(data), int(bss)


def elf_facts(elf):
    """Entry address, the boot-complete string's address, boot table pages."""
    with open(elf, "rb") as f:
        e = ELFFile(f)
        done = None
        for s in e.iter_sections():
            if s["sh_flags"] & 0x2 and s["sh_type"] == "SHT_PROGBITS":
                i = s.data().find(BOOT_DONE)
                if i >= 0:
                    done = s["sh_addr"] + i
                    break
        pt = [sym["st_size"] for sym in e.get_section_by_name(".symtab").iter_symbols()
              if sym.name == "boot_pt_sv39"]
        return e.header["e_entry"], done, (pt[0] // 4096 if pt else None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot_complete_return(elf, done_str):
    """Address right after the call of printk that prints the boot-complete string."""
    dis = subprocess.run(["riscv64-unknown-elf-objdump", "-d", "--no-show-raw-insn", str(elf)],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    insn = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
    state = "string"
    for line in dis.splitlines():
        m = insn.match(line)
        if not m:
            continue
        addr, mnemonic, rest = int(m.group(1), 16), m.group(2), m.group(3)
        if state == "string" and re.search(r"#\s*%x\b" % done_str, rest):
            state = "call"
        elif state == "call" and mnemonic in ("jal", "jalr") and "<printk>" in rest:
            state = "next"
        elif state == "next":
            return addr
    raise Failure("no printk call of the boot-complete string found in %s" % elf)


GDB_SCRIPT = """
import gdb
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target extended-remote 127.0.0.1:%(port)d")
# Machines with two CPU clusters (sifive_u: E51 + U54s) show each as a gdb inferior; the
# kernel runs on the second. Single-cluster machines have only inferior 1.
try:
    gdb.execute("add-inferior", to_string=True)
    gdb.execute("inferior 2", to_string=True)
    gdb.execute("attach 2", to_string=True)
    gdb.execute("set schedule-multiple on")
except gdb.error:
    gdb.execute("inferior 1", to_string=True)
gdb.execute("hbreak *%(entry)#x")
gdb.execute("continue")
print("BENCH-ENTRY %%d" %% int(gdb.parse_and_eval("$minstret")))
gdb.execute("delete")
gdb.execute("hbreak *%(done)#x")
gdb.execute("continue")
print("BENCH-DONE %%d" %% int(gdb.parse_and_eval("$minstret")))
"""


def boot_instructions(out, cfg, elf, entry, done, timeout):
    """minstret at the entry and right after the boot-complete printk; (count, boot log)."""
    port = free_port()
    log = out / "boot-cost.log"
    script = out / "boot-cost-gdb.py"
    script.write_text(GDB_SCRIPT % {"port": port, "entry": entry, "done": done})
    with open(log, "wb") as console:
        qemu = subprocess.Popen(qemu_command(out, cfg, ["-icount", "shift=0", "-S", "-gdb",
                                                         "tcp:127.0.0.1:%d" % port]),
                                stdin=subprocess.DEVNULL, stdout=console,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(50):  # QEMU needs a moment to open its gdb port
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        proc = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-x", str(script), str(elf)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
    finally:
        if qemu.poll() is None:
            os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()
    a = re.search(r"BENCH-ENTRY (\d+)", proc.stdout)
    b = re.search(r"BENCH-DONE (\d+)", proc.stdout)
    if not a or not b:
        raise Failure("gdb did not reach both points (entry %s, boot complete %s)" %
                      (bool(a), bool(b)))
    return int(b.group(1)) - int(a.group(1)), log.read_text(errors="replace")


def ktest_bench(out, cfg, timeout):
    proc = subprocess.run(qemu_command(out, cfg, ["-icount", "shift=0"]),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)
    text = proc.stdout.decode(errors="replace")
    summary = re.search(r"^ktest: (\d+) passed, (\d+) failed, (\d+) skipped", text, re.M)
    if not summary:
        raise Failure("the ktest bench kernel printed no summary")
    return text, tuple(int(x) for x in summary.groups())


def allocator_of(cfg):
    for name in ("TLSF", "BUDDY", "BITMAP_BUDDY", "SLAB"):
        if cfg.get("CONFIG_HEAP_ALLOC_" + name) == "y":
            return name.lower()
    return None


def one_defconfig(name, args):
    out = Path(args.out_dir) / "kernel" / name
    row = {"defconfig": name}
    elf = build(out, name)
    cfg = read_config(out)
    row["allocator"] = allocator_of(cfg)
    row["userspace"] = cfg.get("CONFIG_USERSPACE") == "y"
    row["paging"] = "full-remap" if cfg.get("CONFIG_PAGING_FULL_REMAP") == "y" else \
        "early-gigapage"
    row["text"], row["data"], row["bss"] = footprint(elf)
    entry, done, boot_pages = elf_facts(elf)
    row["boot_pt_pages"] = boot_pages
    if done is None:
        raise Failure("no \"Bora: boot complete\" string in %s" % elf)
    done_at = boot_complete_return(elf, done)
    counts, log = [], ""
    for _ in range(args.boots):
        n, log = boot_instructions(out, cfg, elf, entry, done_at, args.gdb_timeout)
        counts.append(n)
    row["boot_instructions"] = int(statistics.median(counts))
    row["boot_instructions_spread"] = [min(counts), max(counts)]
    m = re.search(r"(\d+) page-table pages", log)
    row["remap_pt_pages"] = int(m.group(1)) if m else None
    row["pt_pages"] = row["remap_pt_pages"] if m else boot_pages
    return row, cfg


def ktest_choices(rows, machines):
    """One defconfig per heap allocator for the ktest bench: virt first, then the plainest name."""
    chosen = {}
    for row in rows:
        alloc = row.get("allocator")
        if alloc is None or "error" in row:
            continue
        rank = (machines[row["defconfig"]] != "virt", len(row["defconfig"]), row["defconfig"])
        if alloc not in chosen or rank < chosen[alloc][0]:
            chosen[alloc] = (rank, row)
    rows_chosen = [row for _, row in chosen.values()]
    # User-mode figures (null syscall) need a kernel with user space.
    users = [r for r in rows if r.get("userspace") and "error" not in r]
    if users and not any(r.get("userspace") for r in rows_chosen):
        rows_chosen.append(min(users, key=lambda r: (len(r["defconfig"]), r["defconfig"])))
    return rows_chosen


def ktest_one(row, bench, args, goals=None):
    name = row["defconfig"]
    print("bench-kernel: ktest bench on %s" % name, file=sys.stderr, flush=True)
    out = Path(args.out_dir) / "kernel" / (name + "-ktest-bench")
    try:
        build(out, name, fragments=BENCH_FRAGMENT)
        text, summary = ktest_bench(out, read_config(out), args.timeout)
    except (Failure, subprocess.TimeoutExpired) as e:
        row["error"] = "ktest bench: %s" % str(e).splitlines()[0][:100]
        return
    row["ktest_summary"] = summary
    for m in FIGURE_LINE.finditer(text):
        if goals is not None:
            goals.append({"defconfig": name, "what": m.group(1), "figure": int(m.group(2)),
                          "limit": None, "unit": m.group(3), "met": None})
    for m in GOAL_LINE.finditer(text):
        if goals is not None:
            goals.append({"defconfig": name, "what": m.group(1), "figure": int(m.group(2)),
                          "limit": int(m.group(3)), "unit": m.group(4),
                          "met": m.group(5) == "met"})
    for m in BENCH_LINE.finditer(text):
        what, alloc, size, n, am, ax, fm, fx, unit = m.groups()
        if unit != "instret":
            continue
        # The byte-allocator paths run the same code in every kernel: one copy, no defconfig.
        shared = what in ("rand_free", "tlsf_worst")
        if shared and any(b["what"] == what and b["allocator"] == alloc for b in bench):
            continue
        bench.append({"defconfig": None if shared else name, "what": what, "allocator": alloc,
                      "size": int(size), "n": int(n), "alloc_mean": float(am),
                      "alloc_max": int(ax), "free_mean": float(fm), "free_max": int(fx)})


def smp_bench(rows, machines, args):
    """Issue 13's figures (scripts/bench_smp.py) from the first virt kernel's bench build."""
    for row in rows:
        out = Path(args.out_dir) / "kernel" / (row["defconfig"] + "-ktest-bench")
        if machines.get(row["defconfig"]) == "virt" and "ktest_summary" in row:
            print("bench-kernel: SMP figures on %s" % row["defconfig"], file=sys.stderr,
                  flush=True)
            try:
                return dict(bench_smp.run(out, args.timeout), defconfig=row["defconfig"])
            except (bench_smp.Failure, subprocess.TimeoutExpired) as e:
                return {"defconfig": row["defconfig"], "error": str(e).splitlines()[0][:120]}
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--defconfigs", help="comma-separated names (default: every defconfig)")
    ap.add_argument("--boots", type=int, default=3, help="gdb-measured boots per defconfig")
    ap.add_argument("--no-ktest", dest="ktest", action="store_false",
                    help="skip the ktest bench suite boots")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per ktest bench boot")
    ap.add_argument("--gdb-timeout", type=int, default=60, help="seconds per measured boot")
    args = ap.parse_args()
    if args.boots < 1:
        ap.error("--boots must be >= 1")
    available = sorted(p.name for p in (ROOT / "defconfigs").glob("*_defconfig"))
    names = args.defconfigs.split(",") if args.defconfigs else available
    for n in names:
        if n not in available:
            ap.error("no defconfig '%s'; available: %s" % (n, " ".join(available)))

    t0 = time.monotonic()
    rows, bench, machines, goals = [], [], {}, []
    for name in names:
        print("bench-kernel: %s" % name, file=sys.stderr, flush=True)
        try:
            row, cfg = one_defconfig(name, args)
        except (Failure, subprocess.TimeoutExpired) as e:
            rows.append({"defconfig": name, "error": str(e).splitlines()[0][:120]})
            continue
        rows.append(row)
        machines[name] = cfg["CONFIG_QEMU_MACHINE"]
    smp = None
    if args.ktest:
        for row in ktest_choices(rows, machines):
            ktest_one(row, bench, args, goals)
        smp = smp_bench(rows, machines, args)
    doc = {"schema": "bora-bench-kernel/1", "icount": "shift=0", "defconfigs": rows,
           "ktest_bench": bench, "goals": goals, "smp": smp,
           "seconds": round(time.monotonic() - t0)}
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "kernel.json").write_text(json.dumps(doc, indent=1) + "\n")
    fmt = "%-38s %-13s %-15s %11s %8s %8s %6s %8s  %s"
    print(fmt % ("defconfig", "allocator", "paging", "boot instr", "PT pages", "text", "data",
                 "bss", ""))
    for r in rows:
        print(fmt % (r["defconfig"], r.get("allocator") or "-", r.get("paging") or "-",
                     r.get("boot_instructions", "-"), r.get("pt_pages", "-"), r.get("text", "-"),
                     r.get("data", "-"), r.get("bss", "-"), r.get("error", "")))
    for g in goals:
        if g["limit"] is None:
            print("figure %-26s %8d instructions (%s)" % (g["what"], g["figure"], g["defconfig"]))
            continue
        print("goal %-28s %8d instructions, limit %5d: %s (%s)" % (
            g["what"], g["figure"], g["limit"], "met" if g["met"] else "missed", g["defconfig"]))
    if smp and "error" not in smp:
        print("\n".join(bench_smp.report(smp)))
    elif smp:
        print("SMP (issue 13): %s" % smp["error"])
    print("bench-kernel: %d defconfigs in %d s, wrote %s" % (len(rows), doc["seconds"],
                                                              out / "kernel.json"),
          file=sys.stderr)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
