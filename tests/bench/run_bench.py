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
heap under callgrind, --jobs at a time.
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

BINARIES = ("bench_bora", "bench_jemalloc", "bench_mimalloc")
BASELINE = "glibc"
# Issue 6's targets: benchmark goals, reported as met or missed, never asserted.
TLSF_MAX_INSTR = 150
SLAB_FAST_PATH_INSTR = 40
BUDDY_VS_TLSF = 2.0
BITMAP_BUDDY_META_PER_128 = 11
TLSF_FRAG = 1.10
# Workloads whose live peak is too small for a footprint ratio to mean anything.
NO_FRAG = ("tlsf_worst",)

# Issue 14's reference figures: x86-64 instructions per call, mean / max, measured by an
# earlier session with this harness and the reference allocators beside Bora's heaps. Their
# code (Conte's TLSF, Zephyr's sys_heap, buddy2) cannot live in this repository, so they
# are fixed figures here, named with their source, and compared against.
REF_SOURCE = "issue 14 (same harness, reference allocators beside Bora's, earlier run)"
REF_WORKLOADS = ("rand_free_64", "trace_uniform", "tlsf_worst")
SYS_HEAP = {  # Zephyr sys_heap: (malloc mean, malloc max, free mean, free max)
    "rand_free_64": (147, 147, 120, 165),
    "trace_uniform": (163, 191, 119, 165),
    "tlsf_worst": (147, 147, 118, 161),
}
CONTE_TLSF = {
    "rand_free_64": (220, 220, 139, 217),
    "trace_uniform": (211, 233, 144, 217),
    "tlsf_worst": (220, 220, 155, 211),
}
CONTE_FRAG = {"rand_free_64": 1.125, "map_50k": 1.25}
TREE_BUDDY = {  # buddy2, 8-byte unit: (malloc mean, free mean)
    "rand_free_64": (523, 459),
    "trace_uniform": (433, 419),
    "tlsf_worst": (540, 467),
}
TREE_BUDDY_FRAG = ("trace_uniform", 1.35)
KMALLOC_OWN_INSTR = 20
KERNEL_PAIR_GOAL = "kmalloc64_kfree_pair"


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


def derive(meta, results):
    """Ratios to glibc and fragmentation, per row."""
    for (heap, wl), r in results.items():
        base = results.get((BASELINE, wl), {}).get("ns_per_op")
        ns = r.get("ns_per_op")
        if ns and base and base["median"] > 0:
            r["ratio_to_glibc"] = round(ns["median"] / base["median"], 3)
        live = r.get("peak_live")
        if live and wl not in NO_FRAG and r.get("peak_footprint"):
            r["frag"] = round(r["peak_footprint"] / live, 3)
            if r.get("peak_from_base"):
                r["frag_from_base"] = round(r["peak_from_base"] / live, 3)


def targets(results):
    """Issue 6's targets: each with the figure, the limit and met/missed (None: no data)."""
    out = []

    def add(name, value, limit, met, how):
        out.append({"target": name, "value": value, "limit": limit,
                    "status": "no data" if met is None else ("met" if met else "missed"),
                    "how": how})

    worst = None
    for (heap, wl), r in results.items():
        ins = r.get("instructions") or {}
        if heap == "tlsf":
            for kind in ("malloc", "free"):
                if ins.get(kind):
                    worst = max(worst or 0, ins[kind]["max"])
    add("TLSF worst-case instructions per malloc/free", worst, TLSF_MAX_INSTR,
        None if worst is None else worst <= TLSF_MAX_INSTR,
        "max over every counted call of every workload (callgrind)")

    slab = (results.get(("slab", "rand_free_64"), {}).get("instructions") or {})
    fast = max(slab["malloc"]["median"], slab["free"]["median"]) \
        if slab.get("malloc") and slab.get("free") else None
    add("slab fast path instructions", fast, SLAB_FAST_PATH_INSTR,
        None if fast is None else fast <= SLAB_FAST_PATH_INSTR,
        "median malloc and free on rand_free_64 (the larger of the two)")

    b = results.get(("buddy", "rand_free_64"), {}).get("ns_per_op")
    t = results.get(("tlsf", "rand_free_64"), {}).get("ns_per_op")
    ratio = round(b["median"] / t["median"], 2) if b and t and t["median"] > 0 else None
    add("buddy rand_free_64 time vs TLSF", ratio, BUDDY_VS_TLSF,
        None if ratio is None else ratio <= BUDDY_VS_TLSF, "median ns/op ratio")

    bb = results.get(("bitmap_buddy", "rand_free_64"), {})
    per128 = round(bb["metadata"] * 128 / bb["region_bytes"], 2) \
        if bb.get("metadata") is not None and bb.get("region_bytes") else None
    add("bitmap buddy metadata per 128 bytes managed", per128, BITMAP_BUDDY_META_PER_128,
        None if per128 is None else per128 <= BITMAP_BUDDY_META_PER_128,
        "stats.metadata * 128 / region bytes")

    frag = results.get(("tlsf", "trace_uniform"), {}).get("frag")
    add("TLSF fragmentation on trace_uniform", frag, TLSF_FRAG,
        None if frag is None else frag <= TLSF_FRAG, "peak footprint / peak live bytes")
    return out


def count(results, heap, wl, kind, stat):
    c = ((results.get((heap, wl), {}).get("instructions") or {}).get(kind)) or {}
    return c.get(stat)


def ops_dispatch(results, wl, kind, stat):
    """What the ops-table dispatch adds to a call: the bump stub through the table minus the
    same stub called directly (constant per call, so it applies to any statistic)."""
    b, d = count(results, "bump", wl, kind, stat), count(results, "bump_direct", wl, kind, stat)
    return None if b is None or d is None else b - d


def through_ops(results, heap, wl, kind, stat):
    """A Bora heap's count as if called through the ops table, as the reference allocators
    of issue 14 were measured: the direct count plus ops_dispatch()."""
    v, extra = count(results, heap, wl, kind, stat), ops_dispatch(results, wl, kind, stat)
    return None if v is None or extra is None else round(v + extra, 1)


def goals(results, kernel):
    """Issue 14's goals: each with the figure, the limit, met/missed and how it is measured."""
    out = []

    def add(name, value, limit, met, how):
        out.append({"goal": name, "value": value, "limit": limit,
                    "status": "no data" if met is None or value is None else
                    ("met" if met else "missed"), "how": how})

    stats = (("malloc", "mean"), ("malloc", "max"), ("free", "mean"), ("free", "max"))
    for wl in REF_WORKLOADS:
        for k, (kind, stat) in enumerate(stats):
            v = through_ops(results, "tlsf", wl, kind, stat)
            limit = SYS_HEAP[wl][k]
            add("TLSF %s %s %s <= Zephyr sys_heap" % (wl, kind, stat), v, limit,
                v is not None and v <= limit,
                "callgrind, + ops-table dispatch; Conte TLSF %d, sys_heap %d (%s)" % (
                    CONTE_TLSF[wl][k], limit, REF_SOURCE))
    for wl, limit in CONTE_FRAG.items():
        v = results.get(("tlsf", wl), {}).get("frag")
        add("TLSF fragmentation %s <= Conte TLSF" % wl, v, limit,
            v is not None and v <= limit, "peak footprint / peak live bytes")
    for wl in REF_WORKLOADS:
        for k, kind in enumerate(("malloc", "free")):
            v = through_ops(results, "bitmap_buddy", wl, kind, "mean")
            limit = TREE_BUDDY[wl][k]
            add("bitmap buddy %s %s mean < tree buddy" % (wl, kind), v, limit,
                v is not None and v < limit,
                "callgrind, + ops-table dispatch; buddy2 (8 B unit) %d (%s)" % (
                    limit, REF_SOURCE))
    wl, limit = TREE_BUDDY_FRAG
    v = results.get(("bitmap_buddy", wl), {}).get("frag")
    add("bitmap buddy fragmentation %s <= tree buddy" % wl, v, limit,
        v is not None and v <= limit, "peak footprint / peak live bytes; buddy2 %g" % limit)
    bb = results.get(("bitmap_buddy", "rand_free_64"), {})
    per128 = round(bb["metadata"] * 128 / bb["region_bytes"], 2) \
        if bb.get("metadata") is not None and bb.get("region_bytes") else None
    add("bitmap buddy metadata per 128 bytes managed", per128, BITMAP_BUDDY_META_PER_128,
        per128 is not None and per128 <= BITMAP_BUDDY_META_PER_128,
        "stats.metadata * 128 / region bytes")
    for kind in ("malloc", "free"):
        v = count(results, "slab", "rand_free_64", kind, "median")
        add("slab fast path %s on rand_free_64" % kind, v, SLAB_FAST_PATH_INSTR,
            v is not None and v <= SLAB_FAST_PATH_INSTR,
            "median instructions (callgrind), slab_%s called directly" % (
                "alloc" if kind == "malloc" else "free"))
    for kind in ("malloc", "free"):
        own = None
        for wl in REF_WORKLOADS:
            k, b = count(results, "kmalloc_bump", wl, kind, "mean"), \
                count(results, "bump", wl, kind, "mean")
            if k is not None and b is not None:
                own = max(own or 0, round(k - b, 1))
        add("kmalloc's own instructions per %s" % ("kmalloc" if kind == "malloc" else "kfree"),
            own, KMALLOC_OWN_INSTR, own is not None and own <= KMALLOC_OWN_INSTR,
            "kmalloc over the bump stub minus the stub alone, mean, worst workload")
    pair = None
    for g in (kernel or {}).get("goals", []):
        if g["what"] == KERNEL_PAIR_GOAL:
            pair = g
    add("kernel kmalloc(64)+kfree over TLSF", pair and pair["figure"],
        pair["limit"] if pair else 250, pair and pair["met"],
        "RISC-V instructions, QEMU -icount (make bench-kernel, ktest bench)")
    return out


def order(meta, results):
    names = []
    for (heap, _), r in results.items():
        if heap not in names:
            names.append(heap)
    bora = [h for h in names if h not in ("glibc", "jemalloc", "mimalloc")]
    return bora + [h for h in ("glibc", "jemalloc", "mimalloc") if h in names], \
        [w["name"] for w in meta["workloads"]]


def fmt(v, spec="%.1f"):
    if v is None:
        return "-"
    return spec % v


def tables(meta, results, heaps, workloads, target_rows, goal_rows=()):
    """The report as a list of (title, header, rows)."""
    out = []
    rows = []
    for wl in workloads:
        for h in heaps:
            if (h, wl) not in results:
                continue  # a count-only heap on a workload that is not counted
            r = results[(h, wl)]
            ns = r.get("ns_per_op")
            ins = r.get("instructions") or {}
            m, f = ins.get("malloc"), ins.get("free")
            rows.append([wl, h,
                         r["error"] if r.get("error") else fmt(ns and ns["median"]),
                         "%s-%s" % (fmt(ns and ns["min"]), fmt(ns and ns["max"])) if ns else "-",
                         fmt(r.get("ratio_to_glibc"), "%.2f"),
                         fmt(r.get("frag"), "%.3f"),
                         fmt(r.get("metadata"), "%d"),
                         "%s / %s" % (fmt(m and m["mean"], "%.0f"), fmt(m and m["max"], "%d")),
                         "%s / %s" % (fmt(f and f["mean"], "%.0f"), fmt(f and f["max"], "%d"))])
    out.append(("Host allocator benchmark",
                ["workload", "heap", "CPU ns/op", "min-max", "x glibc", "frag", "metadata B",
                 "malloc instr mean / max", "free instr mean / max"], rows))
    rows = [[t["target"], fmt(t["value"], "%g"), "<= %g" % t["limit"], t["status"], t["how"]]
            for t in target_rows]
    out.append(("Targets (issue 6)", ["target", "value", "limit", "status", "measured as"], rows))
    rows = [[g["goal"], fmt(g["value"], "%g"), "%g" % g["limit"], g["status"], g["how"]]
            for g in goal_rows]
    if rows:
        out.append(("Goals (issue 14)", ["goal", "figure", "limit", "status", "measured as"],
                    rows))
    return out


def kernel_tables(kernel):
    rows = []
    for d in kernel.get("defconfigs", []):
        rows.append([d["defconfig"], d.get("allocator") or "-", d.get("paging") or "-",
                     fmt(d.get("boot_instructions"), "%d"), fmt(d.get("pt_pages"), "%d"),
                     fmt(d.get("text"), "%d"), fmt(d.get("data"), "%d"), fmt(d.get("bss"), "%d"),
                     d.get("error") or ""])
    out = [("Kernel per defconfig",
            ["defconfig", "allocator", "paging", "boot instr", "PT pages", "text", "data", "bss",
             "note"], rows)]
    rows = []
    for b in kernel.get("ktest_bench", []):
        rows.append([b["defconfig"] or "(every kernel)", b["what"], b["allocator"], str(b["size"]),
                     fmt(b.get("alloc_mean"), "%.0f"), fmt(b.get("alloc_max"), "%d"),
                     fmt(b.get("free_mean"), "%.0f"), fmt(b.get("free_max"), "%d")])
    if rows:
        out.append(("In-kernel ktest bench (RISC-V instructions under -icount shift=0)",
                    ["defconfig", "path", "allocator", "size", "alloc mean", "alloc max",
                     "free mean", "free max"], rows))
    return out


def render_text(title, header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else \
        [len(h) for h in header]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines) + "\n"


def render_md(title, header, rows):
    lines = ["#### " + title, "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def charts(out_dir, results, heaps, workloads):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def grouped(path, title, ylabel, value, err=None, log_scale=False, wls=workloads, line=None):
        fig, ax = plt.subplots(figsize=(12, 5.5))
        width = 0.8 / len(heaps)
        for i, h in enumerate(heaps):
            xs, ys, lo, hi = [], [], [], []
            for j, wl in enumerate(wls):
                r = results.get((h, wl), {})
                v = value(r)
                if v is None:
                    continue
                xs.append(j + (i - (len(heaps) - 1) / 2) * width)
                ys.append(v)
                if err:
                    a, b = err(r)
                    lo.append(v - a)
                    hi.append(b - v)
            ax.bar(xs, ys, width, label=h, yerr=[lo, hi] if err else None, capsize=2)
        if line:
            ax.axhline(line, color="black", linewidth=0.8, linestyle="--")
        ax.set_xticks(range(len(wls)))
        ax.set_xticklabels(wls)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if log_scale:
            ax.set_yscale("log")
        ax.legend(ncol=len(heaps), fontsize="small")
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)

    def ns(r):
        return r["ns_per_op"]["median"] if r.get("ns_per_op") else None

    def ns_err(r):
        return r["ns_per_op"]["min"], r["ns_per_op"]["max"]

    grouped(out_dir / "ns_per_op.png", "CPU ns per heap operation (median of the reps; bars: min-max)",
            "ns/op (log scale)", ns, ns_err, log_scale=True)
    grouped(out_dir / "fragmentation.png",
            "fragmentation: peak footprint / peak live requested bytes (1.0 = none)",
            "ratio", lambda r: r.get("frag"),
            wls=[w for w in workloads if w not in NO_FRAG], line=1.0)


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
