# SPDX-License-Identifier: MIT
"""libFuzzer targets (tests/fuzz/): each builds, replays every seed and regression input
in its corpus, and runs a fixed number of fuzzed inputs past it without a crash, a
sanitizer report or a hang. A count, not a time, so a busy machine does the same work.

A failure prints libFuzzer's report; the input that caused it is kept under
build/test/fuzz/build/fuzz/crashes/<target>/ (see scripts/mk/fuzz.mk for turning it
into a regression input)."""

import re
import subprocess

import pytest

from conftest import ROOT, TEST_OUT, make

OUT = TEST_OUT / "fuzz"
BIN = OUT / "build" / "fuzz" / "bin"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
# New inputs each target runs after its corpus; the slowest target (tlsf) does ~400/s.
FUZZ_RUNS_PAST_CORPUS = 500
# Only a bound: the run ends at FUZZ_RUNS_PAST_CORPUS inputs long before this.
FUZZ_SECONDS = 300
# A single input running this long counts as a hang (the FDT walk must terminate).
HANG_SECONDS = 20
BYTE_ALLOCATORS = {"tlsf", "buddy", "bitmap_buddy", "slab"}


def targets():
    return make("-s", "O=%s" % OUT, "fuzz-list").stdout.split()


def corpus(target):
    """A _debug variant (built with CONFIG_ALLOC_DEBUG) shares its base target's seeds."""
    return CORPUS / (target[:-len("_debug")] if target.endswith("_debug") else target)


@pytest.fixture(scope="module", autouse=True)
def built():
    # No .config in OUT: the fuzz goals must not need one.
    make("O=%s" % OUT, "-j2", "-k", "fuzz-build", check=False, timeout=1200)


def test_every_allocator_kmalloc_the_fdt_reader_and_the_shell_have_a_target():
    want = {p.stem for p in (ROOT / "mm").glob("*.c")} & BYTE_ALLOCATORS
    want |= {a + "_debug" for a in want} | {"bitmap_page", "id_alloc", "kmalloc", "kmalloc_debug",
                                            "fdt", "cmdline"}
    if (ROOT / "subsys" / "shell" / "shell_parse.c").exists():
        want.add("shell")
    if (ROOT / "kernel" / "ipc_syscall.c").exists():
        want.add("ipc")
    if (ROOT / "lib" / "elf.c").exists():
        want |= {"elf", "user_range"}
    assert set(targets()) == want


@pytest.mark.parametrize("target", targets())
def test_corpus_is_small_and_present(target):
    files = [p for p in corpus(target).iterdir() if p.is_file()]
    assert 8 <= len(files) <= 64, "%s: %d corpus files" % (target, len(files))
    assert sum(p.stat().st_size for p in files) < 256 * 1024


@pytest.mark.parametrize("target", targets())
def test_target_replays_its_corpus(target):
    make("O=%s" % OUT, "fuzz-build-%s" % target)
    files = sorted(str(p) for p in corpus(target).iterdir() if p.is_file())
    crashes = OUT / "build" / "fuzz" / "crashes" / target
    crashes.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([str(BIN / target), "-timeout=%d" % HANG_SECONDS,
                           "-artifact_prefix=%s/" % crashes, *files], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-20000:]
    assert len(re.findall(r"^Running: ", proc.stdout, re.M)) == len(files)


@pytest.mark.parametrize("target", targets())
def test_target_survives_a_short_fuzzing_run(target):
    seeds = len(list(corpus(target).iterdir()))
    grown = OUT / "build" / "fuzz" / "corpus" / target
    if grown.is_dir():
        seeds += len(list(grown.iterdir()))
    proc = make("O=%s" % OUT, "fuzz-%s" % target, "FUZZ_SECONDS=%d" % FUZZ_SECONDS,
                "FUZZ_FLAGS=-timeout=%d -runs=%d" % (HANG_SECONDS, seeds + FUZZ_RUNS_PAST_CORPUS),
                check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout[-20000:]
    assert re.search(r"^Done \d+ runs in", proc.stdout, re.M), proc.stdout[-5000:]
    runs = int(re.search(r"stat::number_of_executed_units: (\d+)", proc.stdout).group(1))
    assert runs == seeds + FUZZ_RUNS_PAST_CORPUS, "stopped after %d of %d inputs" % (
        runs, seeds + FUZZ_RUNS_PAST_CORPUS)
