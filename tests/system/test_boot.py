# SPDX-License-Identifier: MIT
"""Every defconfig builds out of tree and boots in QEMU; the ktest suites pass."""

import re

import pytest

from conftest import DEFCONFIGS, KTEST_FRAGMENT, boot, build, read_config


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_defconfig_boots_to_completion(defconfig):
    out = build(defconfig)
    cfg = read_config(out)
    result = boot(out, timeout=60, until=r"^Bora: boot complete")
    assert not result.timed_out, "no 'boot complete' line:\n" + result.output
    banner = re.search(r"^Bora (\S+) \(board (\S+), paging (\S+), allocator (\S+), heap (\d+) KiB",
                       result.output, re.M)
    assert banner, result.output
    assert banner.group(2) == cfg["CONFIG_BOARD"]
    assert int(banner.group(5)) * 1024 == int(cfg["CONFIG_HEAP_SIZE"], 16)
    for section in (".text", ".rodata", ".data", "boot_pt", ".bss", "stack", "heap"):
        assert re.search(r"^  %s\s+0xffffffc0" % re.escape(section), result.output, re.M), section


def run_ktests(out):
    result = boot(out, timeout=120)
    assert not result.timed_out, result.output
    summary = result.ktest_summary()
    assert summary, "no ktest summary:\n" + result.output
    passed, failed, _ = summary
    fails = re.findall(r"^ktest: FAIL .*$", result.output, re.M)
    assert failed == 0, "\n".join(fails)
    assert passed >= 10
    runs = len(re.findall(r"^ktest: RUN ", result.output, re.M))
    assert runs == sum(summary)
    assert result.returncode == 0, "QEMU exit status %d with all tests passing" % result.returncode
    return result


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_ktest_suites_pass(defconfig):
    run_ktests(build(defconfig, [KTEST_FRAGMENT], tag="ktest"))


def test_ktest_suites_pass_with_alloc_debug():
    """CONFIG_ALLOC_DEBUG + CONFIG_KTEST is a valid configuration: its own suites pass, the
    quarantine and debug headers run in the kernel, and the bad frees kmalloc.bad_free_is_refused
    provokes on purpose are reported, not fatal."""
    out = build("qemu_virt_defconfig", [KTEST_FRAGMENT, "tests/ktest_debug.config"],
                tag="ktest-debug")
    assert read_config(out).get("CONFIG_ALLOC_DEBUG") == "y"
    result = run_ktests(out)
    expected = re.findall(r"^kfree: .* \(expected\)$", result.output, re.M)
    assert len(expected) == 3, result.output
    assert "invalid free (outside the heap)" in expected[0], expected


def test_unexpected_trap_is_reported_and_fails_the_run():
    out = build("qemu_virt_defconfig", [KTEST_FRAGMENT, "tests/ktest_crash.config"], tag="crash")
    result = boot(out, timeout=60)
    text = result.output
    assert "Unhandled trap: illegal instruction (scause 0x2)" in text, text
    assert re.search(r"^  sepc ffffffc0[0-9a-f]{8}  stval", text, re.M), text
    for reg in ("ra", "sp", "s0", "a0", "t6"):
        assert re.search(r"\b%s\s+[0-9a-f]{16}" % reg, text), reg
    assert re.search(r"^  #1\s+ffffffc0[0-9a-f]{8}", text, re.M), "no backtrace:\n" + text
    assert "Kernel panic: illegal instruction" in text
    assert result.returncode != 0, "a panic must make QEMU exit non-zero"
