# SPDX-License-Identifier: MIT
"""Threads and the scheduler as a user sees them: ps in the shell, the other scheduler
choices' ktest boot, and a thread stack overflow caught and named."""

import re

import pytest

from conftest import KTEST_FRAGMENT, boot, build
from qemu_console import QemuConsole, lines

ALT_FRAGMENT = "tests/ktest_sched_alt.config"
UNIPROC_FRAGMENT = "tests/ktest_uniproc.config"
PS_HEADER = "  ID NAME             PRI STATE     HART   RUNTIME  SWITCHES  STACK USED/SIZE"
PS_LINE = re.compile(r"^ *(\d+) (\S+) +(\d+) (\w+) +(\d+) +(\d+) +(\d+)  (\d+)/(\d+)(.*)$")


@pytest.fixture(scope="module")
def console():
    con = QemuConsole(build("qemu_virt_defconfig"))
    con.expect(r"^Bora: boot complete\r*\n")
    con.wait_prompt()
    yield con
    con.close()


def ps(con):
    text = con.command("ps").splitlines()
    assert text[0] == PS_HEADER, text
    rows = {}
    for line in text[1:]:
        m = PS_LINE.match(line)
        assert m, "ps line does not match the contract: %r" % line
        rows[m.group(2)] = m
    return rows


def test_ps_shows_main_shell_and_idle(console):
    rows = ps(console)
    assert {"main", "shell", "idle"} <= set(rows), rows.keys()
    assert rows["shell"].group(4) == "running"
    assert rows["main"].group(4) == "blocked"
    assert int(rows["idle"].group(3)) > int(rows["shell"].group(3)), "idle is not the lowest"
    for name, m in rows.items():
        used, size = int(m.group(8)), int(m.group(9))
        assert 0 <= used <= size and size % 4096 == 0, (name, used, size)
        # idle may not have run yet: only it can still show an untouched stack
        assert used > 0 or name == "idle", (name, used)
    ids = [int(m.group(1)) for m in rows.values()]
    assert len(ids) == len(set(ids))


def test_ps_counts_grow(console):
    first = ps(console)["shell"]
    console.command("help")
    second = ps(console)["shell"]
    assert int(second.group(8)) >= int(first.group(8))  # high-water marks never fall


def test_sleep_rejects_bad_arguments(console):
    assert "sleep: 'x':" in console.command("sleep x")
    assert "sleep: '-5':" in console.command("sleep -5")
    assert "sleep: '10ms':" in console.command("sleep 10ms")
    assert "usage: sleep <ms>" in console.command("sleep")
    assert "at most" in console.command("sleep 999999999999")


def kernel_uptime_us(con):
    m = re.search(r"^up (\d+)\.(\d{6}) s", con.command("uptime"), re.M)
    assert m, "uptime output does not match the contract"
    return int(m.group(1)) * 10**6 + int(m.group(2))


@pytest.mark.parametrize("ms", [1, 2000])
def test_sleep_sleeps_at_least_the_asked_kernel_time(console, ms):
    # Only a lower bound on the kernel's own clock: a busy host makes it later, never shorter.
    before = kernel_uptime_us(console)
    assert console.command("sleep %d" % ms).strip() == ""
    after = kernel_uptime_us(console)
    assert after - before >= ms * 1000, (before, after)
    assert ps(console)["shell"].group(4) == "running"


def test_other_scheduler_choices_pass_the_suites():
    out = build("qemu_virt_defconfig", [KTEST_FRAGMENT, ALT_FRAGMENT], tag="sched-alt")
    result = boot(out, timeout=120)
    assert not result.timed_out, result.output
    assert re.search(r"^sched: cooperative, simple queue, \d+ priorities, main", result.output,
                     re.M), result.output
    summary = result.ktest_summary()
    assert summary and summary[1] == 0, "\n".join(
        re.findall(r"^ktest: FAIL .*$", result.output, re.M)) or result.output
    for suite in ("sched", "sync", "sync_stress"):
        assert re.search(r"^ktest: PASS %s\." % suite, result.output, re.M), suite
    assert result.returncode == 0


@pytest.mark.parametrize("defconfig,how", [
    ("qemu_virt_defconfig", r"sentinel at 0x[0-9a-f]+ overwritten"),
    ("qemu_virt_full_remap_defconfig", r"guard page hit at 0x[0-9a-f]+"),
])
def test_thread_stack_overflow_is_caught_and_named(defconfig, how):
    # The defconfig's test kernel, asked for the overflow on its command line (tests/kernel/crash.c).
    out = build(defconfig, [KTEST_FRAGMENT], tag="ktest")
    result = boot(out, timeout=120, extra=("-append", "ktest.crash=thread_overflow"))
    text = result.output
    assert not result.timed_out, text
    m = re.search(r"^ktest: thread 'overflow' \(id (\d+)\) overflows its stack at", text, re.M)
    assert m, text
    assert re.search(r"^Kernel panic: stack overflow in thread 'overflow' \(id %s\): %s"
                     % (m.group(1), how), text, re.M), text
    assert "ktest: the thread overflowed its stack unnoticed" not in text
    assert result.returncode != 0


def test_a_uniprocessor_build_passes_the_suites():
    # The user defconfig without SMP: scheduler, IPC and user-task suites with the lock words
    # compiled away and the magazines on one hart; a second QEMU hart stays parked in OpenSBI.
    out = build("qemu_virt_user_defconfig", [KTEST_FRAGMENT, UNIPROC_FRAGMENT], tag="uniproc")
    result = boot(out, timeout=120, extra=("-smp", "2"))
    assert not result.timed_out, result.output
    summary = result.ktest_summary()
    assert summary and summary[1] == 0, "\n".join(
        re.findall(r"^ktest: FAIL .*$", result.output, re.M)) or result.output
    for suite in ("sched", "sync", "ipc", "ipc_fast", "task", "pcache"):
        assert re.search(r"^ktest: PASS %s\." % suite, result.output, re.M), suite
    assert re.search(r"^smp_stress: \d+ workers on 1 harts", result.output, re.M), result.output
    assert result.returncode == 0
