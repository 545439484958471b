# SPDX-License-Identifier: MIT
"""SMP bring-up (issue 13): every usable hart comes online and the ktest suites pass across
them; sifive_u's monitor core is skipped; a uniprocessor build still boots on a multi-hart
machine. Few boots on purpose: the ktest kernels are the ones test_boot.py builds."""

import re

import pytest

from conftest import KTEST_FRAGMENT, TEST_OUT, boot, build


def online_report(text):
    m = re.search(r"^smp: (\d+) of (\d+) harts online$", text, re.M)
    assert m, "no 'smp: N of M harts online' line:\n" + text
    return int(m.group(1)), int(m.group(2))


def online_harts(text):
    return sorted(int(h) for h in re.findall(r"^smp: hart (\d+) online", text, re.M))


@pytest.mark.parametrize("defconfig,harts", [("qemu_virt_defconfig", 1),
                                             ("qemu_virt_full_remap_defconfig", 4)])
def test_ktests_pass_with_every_hart_online(defconfig, harts):
    out = build(defconfig, [KTEST_FRAGMENT], tag="ktest")
    result = boot(out, timeout=300, extra=["-smp", str(harts)])
    text = result.output
    assert not result.timed_out, text
    assert online_report(text) == (harts, harts)
    assert online_harts(text) == list(range(harts))
    summary = result.ktest_summary()
    assert summary, "no ktest summary:\n" + text
    fails = re.findall(r"^ktest: FAIL .*$", text, re.M)
    assert summary[1] == 0, "\n".join(fails)
    for name in ("call_function_runs_once_on_every_target", "reschedule_ipi_reaches_each_hart",
                 "ticket_lock_counts_exactly_on_all_harts"):
        assert "ktest: PASS smp.%s" % name in text, name
    if "full_remap" in defconfig:
        assert "ktest: PASS smp.unmap_shoots_down_other_harts_tlbs" in text
    assert result.returncode == 0


def test_eight_harts_come_online():
    # Bring-up only: 8 spinning vCPUs on a 2-core host make lock stress a test of the host.
    out = build("qemu_virt_defconfig")
    result = boot(out, timeout=120, until=r"^Bora: boot complete", extra=["-smp", "8"])
    assert not result.timed_out, result.output
    assert online_report(result.output) == (8, 8)
    assert online_harts(result.output) == list(range(8))


def test_sifive_u_skips_the_monitor_core():
    out = build("qemu_sifive_u_defconfig")
    result = boot(out, timeout=120, until=r"^Bora: boot complete", extra=["-smp", "5"])
    text = result.output
    assert not result.timed_out, text
    # Hart 0 is the E51: no MMU, and OpenSBI marks it disabled for S-mode.
    assert re.search(r"^smp: hart 0 skipped: (status not okay|no MMU) \(riscv,isa rv64imac",
                     text, re.M), text
    assert online_report(text) == (4, 4)
    assert online_harts(text) == [1, 2, 3, 4]


def test_uniprocessor_build_boots_on_a_multi_hart_machine():
    frag = TEST_OUT / "up.config"
    frag.parent.mkdir(parents=True, exist_ok=True)
    frag.write_text("CONFIG_SMP=n\n")
    out = build("qemu_virt_full_remap_defconfig", [str(frag)], tag="up")
    result = boot(out, timeout=120, until=r"^Bora: boot complete", extra=["-smp", "2"])
    assert not result.timed_out, result.output
    assert "smp:" not in result.output
