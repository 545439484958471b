# SPDX-License-Identifier: MIT
"""CONFIG_KTEST_SOAK adds soak.long and smp_soak.long (the same mix from every hart at once,
tests/kernel/test_smp_soak.c) to the in-kernel suites, run for CONFIG_KTEST_SOAK_OPS
operations; soak.short and smp_soak.short run in every ktest build (test_boot.py and
test_smp.py check those pass).

Here the long soaks run at their smallest length on two harts, so the option is known to
build, register and pass; a real soak is `make ... KCONFIG_FRAGMENTS="tests/ktest.config
<fragment with CONFIG_KTEST_SOAK=y>"` and minutes of QEMU (QEMU_FLAGS="-smp 4")."""

import re

from conftest import KTEST_FRAGMENT, TEST_OUT, boot, build

OPS = 10000


def test_long_soak_runs_its_configured_length_and_passes():
    frag = TEST_OUT / "soak.config"
    frag.parent.mkdir(parents=True, exist_ok=True)
    frag.write_text("CONFIG_KTEST_SOAK=y\nCONFIG_KTEST_SOAK_OPS=%d\n" % OPS)
    out = build("qemu_virt_slab_defconfig", [KTEST_FRAGMENT, str(frag)], tag="soak")
    result = boot(out, timeout=300, extra=["-smp", "2", "-append", "ktest=soak,smp_soak"])
    text = result.output
    assert not result.timed_out, text
    for name in ("long", "short"):
        assert "ktest: PASS soak.%s" % name in text, text
        assert "ktest: PASS smp_soak.%s" % name in text, text
    runs = re.findall(r"^soak: (\d+) ops: (\d+) allocs, (\d+) frees, (\d+) reallocs, (\d+) frame "
                      r"ops, (\d+) failed; heap grew by (\d+) KiB$", text, re.M)
    assert sorted(int(r[0]) for r in runs) == [4000, OPS], runs
    for _, allocs, frees, reallocs, frame_ops, _, _ in runs:
        # Every kind of operation happened, and everything allocated was freed again.
        assert int(allocs) > 0 and int(reallocs) > 0 and int(frame_ops) > 0
        assert allocs == frees
    runs = re.findall(r"^smp_soak: (\d+) harts, (\d+) ops: (\d+) allocs, (\d+) frees, (\d+) "
                      r"reallocs, (\d+) frame ops, (\d+) handed over, (\d+) failed; heap grew by "
                      r"(\d+) KiB$", text, re.M)
    assert sorted(int(r[1]) for r in runs) == [4000, OPS], runs
    for harts, _, allocs, frees, reallocs, frame_ops, handed, _, _ in runs:
        assert harts == "2"
        # Blocks also crossed harts (freed on another than the one that allocated them).
        assert int(allocs) > 0 and int(reallocs) > 0 and int(frame_ops) > 0 and int(handed) > 0
        assert allocs == frees
    assert result.ktest_summary()[1] == 0
    assert result.returncode == 0
