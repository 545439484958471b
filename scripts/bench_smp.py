#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SMP figures for `make bench-kernel` (issue 13), from a ktest bench kernel
(tests/bench/ktest_bench.config; tests/kernel/test_bench_smp.c), in two boots:

  ipi      -smp 2 -icount shift=0, ktest=bench_ipi: an IPI round trip in instructions (both
           harts, OpenSBI included), raw SBI IPIs and through smp_call_function.
  scaling  -smp 4 -accel tcg,thread=multi (no -icount: under -icount QEMU runs every hart in
           turn on one host thread), ktest=bench_scaling: kmalloc(64)/kfree and single-frame
           alloc/free pairs per second of the time CSR on 1, 2 and 4 harts at once, with the
           per-hart magazines on and off (the shared-lock baseline), as a ratio to one hart,
           and issue 13's goal (4-hart throughput >= 3x 1-hart with the magazines on), which
           needs 4 host cores to be measured; the host's count goes to the kernel as
           host_cores=, and with fewer the goal is reported "not measurable".

boot_cost.py calls run() for the first virt defconfig's bench kernel; on its own:
  scripts/bench_smp.py --kernel-dir <O= dir of a bench kernel> [--bench-ms 200]
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
FIGURE_LINE = re.compile(r"^bench: figure (\S+) value=(\d+) unit=(\S+)", re.M)
HOST_LINE = re.compile(r"^bench: smp_host cores=(\d+) harts_online=(\d+)$", re.M)
SCALING_LINE = re.compile(r"^bench: smp_scaling (\S+) cache=(on|off) harts=(\d+) pairs=(\d+) "
                          r"ms=(\d+) pairs_per_s=(\d+) ratio=(\d+\.\d\d)$", re.M)
GOAL_LINE = re.compile(r"^bench: goal (smp_\S+) figure=(\d+) limit=(\d+) unit=percent "
                       r"(met|missed)$", re.M)
GOAL_NOT_MEASURABLE = re.compile(r"^bench: goal (smp_\S+) not measurable: (.+?)"
                                 r"(?: \(figure=(\d+) limit=(\d+)\))?$", re.M)
SUMMARY = re.compile(r"^ktest: (\d+) passed, (\d+) failed, (\d+) skipped", re.M)


class Failure(Exception):
    pass


def read_config(out):
    values = {}
    for line in (Path(out) / "include" / "config" / "auto.conf").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            values[k] = v.strip('"')
    return values


def boot(out, harts, extra, append, timeout):
    cfg = read_config(out)
    cmd = ["qemu-system-riscv64", "-M", cfg["CONFIG_QEMU_MACHINE"], "-m",
           "%dM" % (int(cfg["CONFIG_RAM_SIZE"], 0) >> 20), "-nographic", "-bios", OPENSBI,
           "-kernel", str(Path(out) / "bora.elf"), "-smp", str(harts)]
    if cfg.get("CONFIG_SEMIHOSTING_EXIT") == "y":
        cmd += ["-semihosting-config", "enable=on,target=native"]
    cmd += cfg.get("CONFIG_QEMU_EXTRA_FLAGS", "").split() + extra + ["-append", append]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)
    text = proc.stdout.decode(errors="replace").replace("\r\n", "\n")
    m = SUMMARY.search(text)
    if not m:
        raise Failure("no ktest summary from the %s boot" % append.split()[0])
    if int(m.group(2)):
        raise Failure("ktest failures in the %s boot: %s" % (
            append.split()[0], "; ".join(re.findall(r"^ktest: FAIL (.*)$", text, re.M))))
    return text


def parse(ipi_text, scaling_text):
    doc = {"figures": [], "scaling": [], "goals": []}
    for m in FIGURE_LINE.finditer(ipi_text):
        doc["figures"].append({"what": m.group(1), "value": int(m.group(2)),
                               "unit": m.group(3)})
    m = HOST_LINE.search(scaling_text)
    if m:
        doc["host_cores_told"] = int(m.group(1))
        doc["harts_online"] = int(m.group(2))
    for m in SCALING_LINE.finditer(scaling_text):
        doc["scaling"].append({"what": m.group(1), "cache": m.group(2),
                               "harts": int(m.group(3)), "pairs": int(m.group(4)),
                               "ms": int(m.group(5)), "pairs_per_s": int(m.group(6)),
                               "ratio": float(m.group(7))})
    for m in GOAL_LINE.finditer(scaling_text):
        doc["goals"].append({"what": m.group(1), "figure": int(m.group(2)),
                             "limit": int(m.group(3)), "status": m.group(4)})
    for m in GOAL_NOT_MEASURABLE.finditer(scaling_text):
        doc["goals"].append({"what": m.group(1),
                             "figure": int(m.group(3)) if m.group(3) else None,
                             "limit": int(m.group(4)) if m.group(4) else 300,
                             "status": "not measurable: " + m.group(2)})
    return doc


def run(out, timeout=300, bench_ms=200, host_cores=None):
    """Both boots of the bench kernel in `out`; the figures as a dict (kernel.json "smp")."""
    cores = host_cores if host_cores is not None else os.cpu_count()
    ipi = boot(out, 2, ["-icount", "shift=0"], "ktest=bench_ipi", timeout)
    scaling = boot(out, 4, ["-accel", "tcg,thread=multi"],
                   "ktest=bench_scaling bench_ms=%d host_cores=%d" % (bench_ms, cores), timeout)
    doc = parse(ipi, scaling)
    doc["host_cores"] = cores
    doc["bench_ms"] = bench_ms
    if not doc["figures"] or not doc["scaling"] or not doc["goals"]:
        raise Failure("the SMP bench boots printed no figures")
    return doc


def report(doc):
    """Lines for the bench-kernel table."""
    lines = ["SMP (issue 13), host cores: %d" % doc["host_cores"]]
    for f in doc["figures"]:
        lines.append("figure %-26s %8d instructions (-smp 2, -icount)" % (f["what"], f["value"]))
    rows = {(r["what"], r["cache"], r["harts"]): r for r in doc["scaling"]}
    for what in sorted({r["what"] for r in doc["scaling"]}):
        for cache in ("on", "off"):
            cells = ["%d harts %.2fx" % (h, rows[(what, cache, h)]["ratio"])
                     for h in (1, 2, 4) if (what, cache, h) in rows]
            if cells:
                lines.append("scaling %-10s magazines %-3s %s (1 hart: %d pairs/s)" % (
                    what, cache, ", ".join(cells), rows[(what, cache, 1)]["pairs_per_s"]))
    for g in doc["goals"]:
        figure = "-" if g["figure"] is None else "%.2fx" % (g["figure"] / 100)
        lines.append("goal %-28s %8s, limit %.2fx: %s" % (g["what"], figure, g["limit"] / 100,
                                                         g["status"]))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel-dir", required=True, help="O= directory of a ktest bench kernel")
    ap.add_argument("--bench-ms", type=int, default=200, help="time CSR ms per scaling phase")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per boot")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    if not 1 <= args.bench_ms <= 10000:
        ap.error("--bench-ms wants 1..10000")
    try:
        doc = run(args.kernel_dir, args.timeout, args.bench_ms)
    except (Failure, subprocess.TimeoutExpired) as e:
        print("bench_smp: %s" % str(e).splitlines()[0], file=sys.stderr)
        return 1
    print("\n".join(report(doc)))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
