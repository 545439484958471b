# SPDX-License-Identifier: MIT
"""How run_bench.py reports the benchmark: the order of heaps and workloads, the tables
(as text for stdout and as Markdown for results.md, which docs/benchmarks.md quotes) and
the charts."""

from run_bench_goals import NO_FRAG


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
