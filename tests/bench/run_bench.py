#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run Bora's host allocator benchmark and report it.

Runs the bench binaries (bench_bora: Bora's byte allocators + glibc; bench_jemalloc;
bench_mimalloc) in three passes, merges their JSON, and writes:
  <out>/results.json      every figure, the machine, targets met or missed
  <out>/results.md        the tables as Markdown (docs/benchmarks.md quotes them)
  <out>/ns_per_op.png     ns per operation per workload and heap
  <out>/fragmentation.png peak footprint / peak live bytes per workload and heap
and prints the tables on stdout.

Passes: 'time' runs each binary alone (nothing else of ours running); 'measure' runs
every workload in a fresh process so a system heap starts empty; 'count' runs each
heap under callgrind, --jobs at a time. The figures derived from the results and the
targets and goals are computed in run_bench_goals.py, the tables and charts drawn in
run_bench_report.py.
"""

import argparse
import concurrent.futures
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_bench_goals import derive, goals, targets
from run_bench_report import charts, kernel_tables, order, render_md, render_text, tables

BINARIES = ("bench_bora", "bench_jemalloc", "bench_mimalloc")


class BenchError(Exception):
    pass


def run_json(cmd, timeout):
    """Run one bench binary invocation; its JSON document."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    try:
        proc = subprocess.run(cmd + ["--out", out], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise BenchError("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode,
                                                      proc.stderr.strip()))
        with open(out) as f:
            return json.load(f)
    finally:
        os.unlink(out)


def heap_names(binary):
    proc = subprocess.run([binary, "--list"], stdout=subprocess.PIPE, text=True, check=True)
    return [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("heap ")]


def loadavg():
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    for name, cmd in (("gcc", ["gcc", "--version"]), ("valgrind", ["valgrind", "--version"])):
        try:
            info[name] = subprocess.run(cmd, stdout=subprocess.PIPE, text=True).stdout \
                .splitlines()[0].strip()
        except (OSError, IndexError):
            info[name] = None
    return info


def merge(results, doc, fields):
    for row in doc["results"]:
        key = (row["heap"], row["workload"])
        dst = results.setdefault(key, {"heap": row["heap"], "workload": row["workload"]})
        for k, v in row.items():
            if k == "error":
                continue
            if k in fields or k in ("version", "state_bytes", "region_bytes"):
                if k == "ops" and v == 0 and dst.get("ops"):
                    continue
                dst[k] = v
        if row.get("error") and "error" in fields:
            dst["error"] = row["error"]


def run_all(args):
    bins = {}
    for b in BINARIES:
        path = Path(args.bin_dir) / b
        if not os.access(path, os.X_OK):
            raise BenchError("no %s: build it with 'make bench-build'" % path)
        bins[b] = str(path)
    heaps = {b: heap_names(p) for b, p in bins.items()}
    common = ["--scale", repr(args.scale), "--region-mib", str(args.region_mib)]
    results, meta = {}, None
    t0 = time.monotonic()
    load = loadavg()
    if load is not None and load > (os.cpu_count() or 1):
        log("load average %.1f on %d CPUs: other work competes, so the times will be noisy "
            "(instruction counts, footprint and metadata are not affected)" %
            (load, os.cpu_count()))
    args.load_before = load

    for b, path in bins.items():
        log("time: %s (%d reps)" % (b, args.reps))
        doc = run_json([path, "--mode", "time", "--reps", str(args.reps)] + common, args.timeout)
        meta = meta or doc
        merge(results, doc, ("ops", "ns_per_op", "error"))

    jobs = args.jobs
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = []
        for b, path in bins.items():
            for w in meta["workloads"]:
                cmd = [path, "--mode", "measure", "--workloads", w["name"]] + common
                futures.append(pool.submit(run_json, cmd, args.timeout))
        log("measure: %d fresh processes" % len(futures))
        for f in futures:
            merge(results, f.result(), ("ops", "peak_live", "peak_footprint", "peak_from_base",
                                        "metadata", "error"))
        if args.count:
            futures = []
            for b, path in bins.items():
                for h in heaps[b]:
                    cmd = [path, "--mode", "count", "--heaps", h, "--count-scale",
                           repr(args.count_scale), "--region-mib", str(args.region_mib)]
                    futures.append(pool.submit(run_json, cmd, args.timeout))
            log("count: %d heaps under callgrind, %d at a time" % (len(futures), jobs))
            for f in futures:
                merge(results, f.result(), ("instructions", "instructions_error"))
    log("host benchmark took %.0f s" % (time.monotonic() - t0))
    return meta, results


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--kernel-json", help="kernel figures from scripts/boot_cost.py")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply workload sizes")
    ap.add_argument("--count-scale", type=float, default=1.0,
                    help="multiply the instruction-count sizes")
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes, 1 rep: checks the harness, not the allocators")
    ap.add_argument("--no-count", dest="count", action="store_false")
    ap.add_argument("--no-charts", dest="charts", action="store_false")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--region-mib", type=int, default=256,
                    help="region of each Bora heap (a power of two); --quick uses 16")
    ap.add_argument("--timeout", type=int, default=1200)
    args = ap.parse_args()
    if args.quick:
        args.reps, args.scale, args.count_scale, args.region_mib = 1, 0.002, 0.005, 16
    if args.reps < 1 or args.jobs < 1 or not 0 < args.scale <= 10 or not 0 < args.count_scale <= 10:
        ap.error("--reps and --jobs must be >= 1, --scale and --count-scale in (0, 10]")

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        meta, results = run_all(args)
    except (BenchError, subprocess.TimeoutExpired) as e:
        sys.exit("bench: %s" % e)
    derive(meta, results)
    heaps, workloads = order(meta, results)
    target_rows = targets(results)
    kernel = None
    if args.kernel_json:
        try:
            kernel = json.loads(Path(args.kernel_json).read_text())
        except (OSError, ValueError) as e:
            log("no kernel figures (%s)" % e)
    goal_rows = goals(results, kernel)

    doc = {
        "schema": "bora-bench-report/1",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": dict(machine_info(), loadavg_before=args.load_before, loadavg_after=loadavg()),
        "settings": {"reps": args.reps, "scale": args.scale, "count_scale": args.count_scale,
                     "region_mib": args.region_mib,
                     "count_method": meta.get("count_method") if args.count else None},
        "workloads": meta["workloads"],
        "heaps": heaps,
        "versions": {r["heap"]: r["version"] for r in results.values() if r.get("version")},
        "results": [results[(h, w)] for w in workloads for h in heaps if (h, w) in results],
        "targets": target_rows,
        "goals": goal_rows,
        "kernel": kernel,
    }
    (out_dir / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    parts = tables(meta, results, heaps, workloads, target_rows, goal_rows)
    if kernel:
        parts += kernel_tables(kernel)
    m = doc["machine"]
    header = "Machine: %s, %s CPUs (load average %s before, %s after), %s; %s; versions %s\n" % (
        m.get("cpu"), m.get("nproc"), m.get("loadavg_before"), m.get("loadavg_after"),
        m.get("gcc"), m.get("valgrind"),
        ", ".join("%s %s" % kv for kv in sorted(doc["versions"].items())))
    print(header)
    print("\n".join(render_text(*p) for p in parts))
    (out_dir / "results.md").write_text(header + "\n" + "\n".join(render_md(*p) for p in parts))
    if args.charts:
        timed = [h for h in heaps if any(r.get("ns_per_op") for (hh, _), r in results.items()
                                         if hh == h)]
        charts(out_dir, results, timed, workloads)
    log("wrote %s/results.json, results.md%s" % (out_dir, ", *.png" if args.charts else ""))


if __name__ == "__main__":
    main()
