# SPDX-License-Identifier: MIT
"""The ktest runner stops, loud, after a test that leaves a thread running.

A test that returns early (a failed assertion) can leave a thread it started blocked on an
object in its stack frame; run on, a later test reuses that stack and crashes far from the
real failure. The runner follows the threads tests start with ktest_thread_create
(kernel/ktest_thread.c) and, after a test with one still running, names it, fails the test
and runs nothing more. One kernel with CONFIG_KTEST_LEFTOVER_THREAD
(tests/kernel/test_ktest_leftover.c) is booted with ktest= naming one of its two suites
and the sync suite, whose tests would run next."""

import re

import pytest

from conftest import KTEST_FRAGMENT, boot, build

LATER_SUITE = "sync"


@pytest.fixture(scope="module")
def leftover_kernel():
    return build("qemu_virt_defconfig", [KTEST_FRAGMENT, "tests/ktest_leftover.config"],
                 tag="ktest-leftover")


def run(out, suite):
    result = boot(out, timeout=120, extra=["-append", "ktest=%s,%s" % (suite, LATER_SUITE)])
    assert not result.timed_out, result.output
    return result


@pytest.fixture(scope="module")
def later(leftover_kernel):
    """How many tests the later suite has, from a boot of it alone (which passes)."""
    result = boot(leftover_kernel, timeout=120, extra=["-append", "ktest=" + LATER_SUITE])
    assert not result.timed_out, result.output
    passed, failed, skipped = result.ktest_summary()
    assert failed == 0 and passed > 0 and result.returncode == 0, result.output
    return passed + skipped


def check_stopped(result, test, reason, later):
    text = result.output
    lines = [line for line in text.splitlines() if line.startswith("ktest")]
    start = lines.index("ktest: RUN  %s" % test)
    assert re.fullmatch(r"ktest: FAIL %s \(%s\)" % (re.escape(test), reason), lines[start + 1]), \
        text
    assert lines[start + 2] == \
        "ktest %s left thread left-behind running (blocked on sem)" % test, text
    assert lines[start + 3].startswith("ktest: stopping after %s:" % test), text
    # Nothing ran after it, and the run fails saying how much was left out.
    assert lines[start + 4] == "ktest: 0 passed, 1 failed, 0 skipped, %d not run" % later, text
    assert not re.search(r"^ktest: RUN  %s\." % LATER_SUITE, text, re.M), text
    assert not re.search(r"panic|unexpected trap", text, re.I), text
    assert result.ktest_summary() == (0, 1, 0)
    assert result.returncode != 0


def test_a_failed_test_that_leaves_a_thread_blocked_stops_the_run(leftover_kernel, later):
    result = run(leftover_kernel, "ktest_leftover")
    check_stopped(result, "ktest_leftover.fails_leaving_a_thread_blocked",
                  r"\S+/test_ktest_leftover\.c:\d+: t->state != THREAD_BLOCKED", later)


def test_a_passed_test_that_leaves_a_thread_blocked_fails_and_stops_the_run(leftover_kernel,
                                                                            later):
    result = run(leftover_kernel, "ktest_leftover_pass")
    check_stopped(result, "ktest_leftover_pass.passes_leaving_a_thread_blocked",
                  "left a thread running", later)
