# SPDX-License-Identifier: MIT
"""The benchmark harness itself (make bench), on tiny inputs: it builds, every allocator and
baseline shows up in every workload, the JSON has its figures, bad arguments are refused.
These check the harness, never the allocators' speed."""

import json
import subprocess

import pytest

from conftest import PYTHON, ROOT, TEST_OUT, make

OUT = TEST_OUT / "bench"
BIN = OUT / "build" / "bench"
BASELINES = ["glibc", "jemalloc", "mimalloc"]
ALLOCATORS = [a for a in ("tlsf", "buddy", "bitmap_buddy", "slab") if (ROOT / "mm" / (a + ".c")).exists()]
WORKLOADS = ["vec_push", "rand_free_64", "rand_free_520", "map_50k", "trace_uniform",
             "trace_large", "tlsf_worst"]
# Heaps only counted (kmalloc's own cost): kmalloc over TLSF, the bump stub, kmalloc over it,
# and the stub called directly (what the ops-table dispatch costs).
COUNT_ONLY = (["kmalloc"] if "tlsf" in ALLOCATORS else []) + ["bump", "kmalloc_bump",
                                                              "bump_direct"]


@pytest.fixture(scope="module")
def bins():
    # bench-build reads no configuration, but the top-level Makefile wants one to exist.
    make("O=%s" % OUT, "qemu_virt_defconfig")
    make("O=%s" % OUT, "-j2", "bench-build")
    return BIN


@pytest.fixture(scope="module")
def report(bins):
    out = OUT / "report"
    proc = subprocess.run([PYTHON, str(ROOT / "tests/bench/run_bench.py"), "--bin-dir", str(bins),
                           "--out-dir", str(out), "--quick"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    return out, proc.stdout, json.loads((out / "results.json").read_text())


def run(binary, *args):
    return subprocess.run([str(binary), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def test_every_heap_in_every_workload(report):
    _, _, doc = report
    assert doc["heaps"] == ALLOCATORS + COUNT_ONLY + BASELINES
    assert [w["name"] for w in doc["workloads"]] == WORKLOADS
    rows = {(r["heap"], r["workload"]): r for r in doc["results"]}
    counted = [w["name"] for w in doc["workloads"] if w["counted"]]
    assert set(rows) == {(h, w) for h in ALLOCATORS + BASELINES for w in WORKLOADS} | \
        {(h, w) for h in COUNT_ONLY for w in counted}
    for key, r in rows.items():
        if key[0] in COUNT_ONLY:
            assert "ns_per_op" not in r and "peak_live" not in r, key
            continue
        assert r.get("error") is None, key
        assert r["ops"] > 0, key
        ns = r["ns_per_op"]
        assert 0 < ns["min"] <= ns["median"] <= ns["max"], key
        assert r["peak_live"] > 0, key
        assert r["ratio_to_glibc"] > 0, key


def test_instruction_counts(report):
    _, _, doc = report
    assert doc["settings"]["count_method"] == "callgrind"
    counted = {w["name"] for w in doc["workloads"] if w["counted"]}
    assert counted == set(WORKLOADS) - {"vec_push"}
    for r in doc["results"]:
        if r["workload"] not in counted:
            continue
        for kind in ("malloc", "free"):
            c = r["instructions"][kind]
            assert c["n"] > 0 and 0 < c["mean"] <= c["max"], (r["heap"], r["workload"], kind)
            assert c["median"] <= c["p99"] <= c["max"]


def test_footprint_and_metadata(report):
    _, _, doc = report
    rows = {(r["heap"], r["workload"]): r for r in doc["results"]}
    for a in ALLOCATORS:
        r = rows[(a, "trace_uniform")]
        # A region heap cannot hand out more bytes than its span holds.
        assert r["peak_footprint"] >= r["peak_live"]
        assert r["peak_from_base"] >= r["peak_footprint"]
        assert r["frag"] >= 1.0
        assert r["metadata"] > 0 and r["region_bytes"] > 0 and r["state_bytes"] > 0
    assert rows[("jemalloc", "rand_free_64")]["metadata"] >= 0
    assert {t["status"] for t in doc["targets"]} <= {"met", "missed", "no data"}
    assert len(doc["targets"]) == 5
    # Issue 14: every goal has a figure (no kernel run here: that one has no data).
    assert {g["status"] for g in doc["goals"]} <= {"met", "missed", "no data"}
    assert [g for g in doc["goals"] if g["status"] == "no data"] == \
        [g for g in doc["goals"] if g["goal"].startswith("kernel ")], doc["goals"]


def test_outputs(report):
    out, stdout, doc = report
    assert "Host allocator benchmark" in stdout and "Targets (issue 6)" in stdout
    assert "Goals (issue 14)" in stdout
    for heap in ALLOCATORS + BASELINES:
        assert heap in stdout
    assert doc["machine"]["nproc"] >= 1 and doc["machine"]["cpu"]
    for png in ("ns_per_op.png", "fragmentation.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| workload | heap |" in (out / "results.md").read_text()


def test_live_bytes_exact(bins):
    """rand_free_64 at 1/100 size: 250 blocks of 64 bytes live at once, 500 operations."""
    proc = run(bins / "bench_bora", "--mode", "measure", "--workloads", "rand_free_64",
               "--scale", "0.01")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["results"]
    assert {r["heap"] for r in rows} == set(ALLOCATORS) | {"glibc"}
    for r in rows:
        assert (r["ops"], r["peak_live"]) == (500, 250 * 64), r


@pytest.mark.parametrize("args, message", [
    (["--heaps", "nosuch"], "unknown heap 'nosuch'"),
    (["--workloads", "vec_push,nope"], "unknown workload 'nope'"),
    (["--reps", "0"], "--reps wants a number"),
    (["--scale", "lots"], "--scale wants a number"),
    (["--mode", "fast"], "unknown mode 'fast'"),
    (["--region-mib", "3"], "--region-mib wants a power of two"),
    (["--frobnicate"], "bad argument '--frobnicate'"),
])
def test_bad_arguments(bins, args, message):
    proc = run(bins / "bench_bora", *args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_boot_cost_measures_one_kernel():
    """scripts/boot_cost.py's gdb + -icount measurement on one kernel: it reaches both points."""
    import importlib.util

    from conftest import build, read_config

    spec = importlib.util.spec_from_file_location("boot_cost", ROOT / "scripts" / "boot_cost.py")
    boot_cost = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(boot_cost)
    out = build("qemu_virt_defconfig")
    elf = out / "bora.elf"
    entry, done, boot_pages = boot_cost.elf_facts(elf)
    assert done is not None and boot_pages == 1
    done_at = boot_cost.boot_complete_return(elf, done)
    cfg = boot_cost.read_config(out)
    assert cfg["CONFIG_QEMU_MACHINE"] == read_config(out)["CONFIG_QEMU_MACHINE"]
    count, log = boot_cost.boot_instructions(out, cfg, elf, entry, done_at, timeout=120)
    assert "Bora: boot complete" in log
    assert 10000 < count < 100000000
    text, data, bss = boot_cost.footprint(elf)
    assert text > 0 and data > 0 and bss > 0


def test_boot_cost_rejects_unknown_defconfig():
    proc = subprocess.run([PYTHON, str(ROOT / "scripts/boot_cost.py"), "--out-dir",
                           str(OUT / "nope"), "--defconfigs", "nosuch_defconfig"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert proc.returncode == 2
    assert "no defconfig 'nosuch_defconfig'" in proc.stdout


def test_smp_bench_prints_its_figures_well_formed():
    """scripts/bench_smp.py on the bench ktest kernel, with short phases: the IPI figures, one
    scaling line per workload, cache setting and hart count, and issue 13's goal for each
    workload either judged or said to be not measurable with the reason. The lines' form is
    checked, never the values."""
    import importlib.util
    import os

    from conftest import build

    spec = importlib.util.spec_from_file_location("bench_smp", ROOT / "scripts" / "bench_smp.py")
    bench_smp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_smp)
    out = build("qemu_virt_defconfig", ["tests/bench/ktest_bench.config"], tag="ktest-bench")
    doc = bench_smp.run(out, timeout=300, bench_ms=20)
    assert doc["host_cores"] == os.cpu_count() and doc["host_cores_told"] == os.cpu_count()
    assert doc["harts_online"] == 4
    assert [f["what"] for f in doc["figures"]] == ["ipi_round_trip", "ipi_call_round_trip"]
    for f in doc["figures"]:
        assert f["unit"] == "instret" and f["value"] > 0, f
    seen = {(r["what"], r["cache"], r["harts"]) for r in doc["scaling"]}
    assert seen == {(w, c, h) for w in ("kmalloc64", "frame1") for c in ("on", "off")
                    for h in (1, 2, 4)}
    for r in doc["scaling"]:
        assert r["ms"] == 20 and r["pairs"] > 0 and r["pairs_per_s"] > 0, r
        assert r["ratio"] == 1.0 if r["harts"] == 1 else r["ratio"] >= 0, r
    goals = {g["what"]: g for g in doc["goals"]}
    assert set(goals) == {"smp_kmalloc64_4_harts", "smp_frame1_4_harts"}
    for g in goals.values():
        assert g["limit"] == 300 and g["figure"] is not None, g
        if os.cpu_count() < 4:
            assert g["status"] == "not measurable: %d host cores" % os.cpu_count(), g
        else:
            assert g["status"] in ("met", "missed"), g
    lines = bench_smp.report(doc)
    assert lines[0] == "SMP (issue 13), host cores: %d" % os.cpu_count()
    assert sum(line.startswith("goal smp_") for line in lines) == 2


def test_direct_calls_skip_the_ops_dispatch(report):
    """bump_direct is the bump stub without the ops table: cheaper by a constant, > 0."""
    _, _, doc = report
    rows = {(r["heap"], r["workload"]): r for r in doc["results"]}
    for w in doc["workloads"]:
        if not w["counted"]:
            continue
        for kind in ("malloc", "free"):
            ops = rows[("bump", w["name"])]["instructions"][kind]
            direct = rows[("bump_direct", w["name"])]["instructions"][kind]
            assert 0 < direct["max"] < ops["median"], (w["name"], kind)
            assert direct["median"] == direct["max"] and ops["median"] == ops["max"]
