# SPDX-License-Identifier: MIT
"""Shared helpers for Bora's system tests: configure, build out of tree, boot in QEMU."""

import fcntl
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
TEST_OUT = ROOT / "build" / "test"
DEFCONFIGS = sorted(p.name for p in (ROOT / "defconfigs").glob("*_defconfig"))
KTEST_FRAGMENT = "tests/ktest.config"
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
SEMIHOSTING_FLAGS = ["-semihosting-config", "enable=on,target=native"]


# What the caller's make (`make -s check O=x V=1 ...`) or shell hands down and would change
# how the tests' own make calls behave: make's flags, and the variables the Makefile reads.
MAKE_ENV_DROP = ("MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "O", "V",
                 "KCONFIG_FRAGMENTS", "KCONFIG_SEED", "KCONFIG_ALLCONFIG", "CROSS_COMPILE",
                 "HOSTCC", "QEMU", "QEMU_MEM", "QEMU_FLAGS", "OPENSBI", "SIZE_FLAGS",
                 "PYTEST_FLAGS", "PYTEST_JOBS", "GDB_PORT")


def make_env(env=None, **extra):
    """A clean environment for a test's make: nothing inherited that changes make's behaviour,
    and no installing of packages (a test must never install; the missing-tool test relies
    on it)."""
    clean = {k: v for k, v in (os.environ if env is None else env).items()
             if k not in MAKE_ENV_DROP}
    if env is None:
        clean["BORA_NO_INSTALL"] = "1"
    clean.setdefault("BORA_NO_INSTALL", "1")
    clean.update(extra)
    return clean


def make(*args, check=True, env=None, timeout=600):
    """Run make in the source tree; returns the CompletedProcess (stdout+stderr merged)."""
    cmd = ["make", "PYTHON=" + PYTHON, *args]
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=make_env(env), timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode, proc.stdout))
    return proc


def read_config(out_dir):
    values = {}
    for line in (Path(out_dir) / "include" / "config" / "auto.conf").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, val = line.split("=", 1)
            values[key] = val
    return values


_built = {}


def build(defconfig, fragments=(), tag=None):
    """Configure and build `defconfig` (+ fragments) in its own O= directory, once per session.

    Under pytest-xdist (make check runs -n 2) every worker is its own process: a lock
    file serialises the builds of one directory, and a stamp naming the test run keeps
    a second worker from rebuilding (and relinking under a running QEMU) what the first
    one already built.
    """
    key = (defconfig, tuple(fragments), tag)
    if key in _built:
        return _built[key]
    name = defconfig + ("-" + tag if tag else "")
    out = TEST_OUT / name
    args = ["O=%s" % out]
    if fragments:
        args.append("KCONFIG_FRAGMENTS=%s" % " ".join(fragments))
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    stamp = out / ".built-for-run"
    TEST_OUT.mkdir(parents=True, exist_ok=True)
    with open(TEST_OUT / (name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not (run and stamp.is_file() and stamp.read_text() == run):
            make(*args, defconfig)
            make(*args, "all", "-j2")
            if run:
                stamp.write_text(run)
    _built[key] = out
    return out


class Boot:
    def __init__(self, returncode, output, timed_out):
        self.returncode = returncode
        self.output = output
        self.timed_out = timed_out

    def ktest_summary(self):
        m = re.search(r"^ktest: (\d+) passed, (\d+) failed, (\d+) skipped", self.output, re.M)
        if not m:
            return None
        return tuple(int(x) for x in m.groups())


def qemu_command(out_dir, mem=None, extra=()):
    cfg = read_config(out_dir)
    ram = mem or "%dM" % (int(cfg["CONFIG_RAM_SIZE"], 16) // (1 << 20))
    cmd = ["qemu-system-riscv64", "-M", cfg["CONFIG_QEMU_MACHINE"], "-m", ram, "-nographic",
           "-bios", OPENSBI, "-kernel", str(Path(out_dir) / "bora.elf")]
    if cfg.get("CONFIG_SEMIHOSTING_EXIT") == "y":  # as the Makefile's QEMU_CMD
        cmd += SEMIHOSTING_FLAGS
    cmd += cfg.get("CONFIG_QEMU_EXTRA_FLAGS", "").split()
    cmd += list(extra)
    return cmd


def boot(out_dir, timeout=60, until=None, mem=None, extra=(), stdin_data=None):
    """Boot the kernel; stop at exit, at `until` (a regex) or at the timeout."""
    cmd = qemu_command(out_dir, mem, extra)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    os.set_blocking(proc.stdout.fileno(), False)
    if stdin_data:
        proc.stdin.write(stdin_data.encode())
        proc.stdin.flush()
    chunks = []
    deadline = time.monotonic() + timeout
    timed_out = False
    pattern = re.compile(until, re.M) if until else None
    while True:
        data = proc.stdout.read()
        if data:
            chunks.append(data)
        text = b"".join(chunks).decode(errors="replace")
        if pattern and pattern.search(text):
            break
        if proc.poll() is not None:
            rest = proc.stdout.read()
            if rest:
                chunks.append(rest)
            break
        if time.monotonic() > deadline:
            timed_out = True
            break
        time.sleep(0.05)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    text = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    return Boot(proc.returncode, text, timed_out)


@pytest.fixture(scope="session")
def root():
    return ROOT
