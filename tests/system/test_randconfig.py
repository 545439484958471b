# SPDX-License-Identifier: MIT
"""The randconfig sweep: random configurations, each configured, built and booted with the
in-kernel suites (tests/randconfig.config keeps CONFIG_KTEST on and the long soak off).

Every configuration must either pass its suites (QEMU exit 0, no panic), or be refused before
anything is compiled with an error naming the CONFIG_ symbol at fault. A compiler or link
error, a panic, a failed ktest or a hang is a bug: fix it and add the seed to FIXED_SEEDS.

Seeds: FIXED_SEEDS, plus RANDCONFIG_COUNT seeds (default 1) drawn from the checked-out commit
and shown in the test ids (see drawn_seeds; RANDCONFIG_DRAW=random draws fresh ones). RANDCONFIG_SEEDS=
"0x1 0x2" runs exactly those. A failing configuration is copied to
build/randconfig-failures/<seed>.config with its log; reproduce it with
  make randconfig KCONFIG_SEED=<seed> KCONFIG_ALLCONFIG=tests/randconfig.config && make run

Builds run one configuration ahead in a background thread, so the next kernel compiles
while the current one boots.
"""

import hashlib
import os
import random
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, TEST_OUT, boot, make, read_config

ALLCONFIG = "tests/randconfig.config"
FAILURES = ROOT / "build" / "randconfig-failures"
# Seeds that once found a bug (each with what it found), then a spread kept as regressions.
FIXED_SEEDS = [
    0x3,         # KTEST_BENCH on a heap that cannot grow: its batches failed and leaked
    0x128b2f33,  # a 4 KiB TLSF heap: too small for TLSF's own state, a panic at boot
    0x103,       # KHEAP_MAX_REGIONS=2: the heap stopped growing and 27 ktests ran out of it
    0x100,       # spike full remap + SMP: a thread stack's guard page split a 2 MiB leaf of the
                 # linear map and remap.linear_map_covers_ram_with_the_largest_leaves refused it
    0xf11ea499,  # qemu_virt with the SBI console: irq.console_uart_source_is_enabled wanted a
                 # UART interrupt from a console that has no UART of its own
    0x15a9d72c,  # cooperative (PREEMPT=n) with IPC: ipc.a_signal_wakes_the_waiting_thread_with_its_bits
                 # expected its new waiter to have run already, returned early on the assert and
                 # left the waiter with the test's stack frame: a panic two tests later
    0xccc34def,  # a growable buddy heap: task.syscall_test_passes counted the one frame the
                 # heap grew by for good in its first run as a leak
    0x86c93fb5,  # SCHED_SIMPLE with time slicing under host load: a task thread preempted
                 # after the last one freed the space was switched back to on its freed table
]


def head_commit():
    """The checked-out commit, or None outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def drawn_seeds():
    """RANDCONFIG_COUNT seeds drawn from the checked-out commit.

    Each change explores new configurations, yet a given tree always draws the same ones: a
    red `make check` reproduces on the same commit, on CI as on a laptop, and a seed never
    turns a merge red by luck alone. RANDCONFIG_DRAW=random draws fresh seeds instead (the
    CI randconfig job's larger sweep).
    """
    if os.environ.get("RANDCONFIG_SEEDS"):
        return [int(s, 0) for s in os.environ["RANDCONFIG_SEEDS"].split()]
    count = int(os.environ.get("RANDCONFIG_COUNT", "1"))
    head = head_commit()
    if os.environ.get("RANDCONFIG_DRAW") == "random" or head is None:
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
        if not run:
            rng = random.SystemRandom()
            return [rng.getrandbits(32) for _ in range(count)]
        head = run  # every xdist worker must collect the same tests
    rng = random.Random(int.from_bytes(hashlib.sha256(head.encode()).digest()[:4], "little"))
    return [rng.getrandbits(32) for _ in range(count)]


# A drawn seed that is already fixed runs once (two tests would share its build tree).
SEEDS = list(dict.fromkeys((FIXED_SEEDS if not os.environ.get("RANDCONFIG_SEEDS") else [])
                           + drawn_seeds()))


def out_dir(seed):
    return TEST_OUT / ("randconfig-%#x" % seed)


def configure_and_build(seed):
    out = out_dir(seed)
    shutil.rmtree(out, ignore_errors=True)
    conf = make("O=%s" % out, "randconfig", "KCONFIG_SEED=%#x" % seed,
                "KCONFIG_ALLCONFIG=%s" % ALLCONFIG, check=False)
    if conf.returncode != 0:
        return out, conf.stdout, None
    built = make("O=%s" % out, "all", "-j2", check=False, timeout=900)
    return out, conf.stdout, built


@pytest.fixture(scope="module")
def builds():
    pool = ThreadPoolExecutor(max_workers=1)
    futures = {seed: pool.submit(configure_and_build, seed) for seed in SEEDS}
    yield futures
    for f in futures.values():
        f.cancel()
    pool.shutdown(wait=True)


def keep_failure(seed, out, log):
    FAILURES.mkdir(parents=True, exist_ok=True)
    if (out / ".config").is_file():
        shutil.copy(out / ".config", FAILURES / ("%#x.config" % seed))
    (FAILURES / ("%#x.log" % seed)).write_text(log)


def describe(out):
    try:
        cfg = read_config(out)
    except OSError:
        return "(no configuration)"
    keys = ("CONFIG_BOARD", "CONFIG_HEAP_SIZE", "CONFIG_BOOT_STACK_SIZE")
    picked = [k for k, v in cfg.items() if v == "y" and not k.startswith("CONFIG_HAS_")]
    return " ".join(["%s=%s" % (k, cfg.get(k)) for k in keys] + picked)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "seed=%#x" % s)
def test_random_configuration_passes_or_is_refused_by_name(seed, builds):
    out, conf_log, built = builds[seed].result()
    repro = ("make randconfig KCONFIG_SEED=%#x KCONFIG_ALLCONFIG=%s && make run"
             % (seed, ALLCONFIG))
    print("randconfig KCONFIG_SEED=%#x: %s" % (seed, describe(out)))
    assert built is not None, "randconfig itself failed (%s):\n%s" % (repro, conf_log)
    if built.returncode != 0:
        log = built.stdout
        compiled = re.search(r"^\s+(CC|AS|LD)\s", log, re.M)
        named = re.search(r"error: .*CONFIG_[A-Z0-9_]+", log)
        if named and not compiled and "undefined reference" not in log:
            return  # refused before compiling, with the symbol named: a valid outcome
        keep_failure(seed, out, conf_log + log)
        pytest.fail("build failed (%s):\n%s" % (repro, log[-6000:]))
    result = boot(out, timeout=300)
    problems = []
    if result.timed_out:
        problems.append("hang: no power-off within 300 s")
    if re.search(r"Kernel panic|Unhandled trap", result.output):
        problems.append("panic")
    summary = result.ktest_summary()
    if summary is None:
        problems.append("no ktest summary")
    elif summary[1]:
        problems.append("%d ktest(s) failed" % summary[1])
    if not result.timed_out and result.returncode != 0:
        problems.append("QEMU exit status %d" % result.returncode)
    if problems:
        keep_failure(seed, out, conf_log + result.output)
        pytest.fail("%s (%s):\n%s" % (", ".join(problems), repro, result.output[-6000:]))
    shutil.rmtree(out, ignore_errors=True)
