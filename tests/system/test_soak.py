# SPDX-License-Identifier: MIT
"""CONFIG_KTEST_SOAK adds soak.long to the in-kernel suites, run for CONFIG_KTEST_SOAK_OPS
operations; soak.short runs in every ktest build (test_boot.py checks those pass).

Here the long soak runs at its smallest length, so the option is known to build, register
and pass; a real soak is `make ... KCONFIG_FRAGMENTS="tests/ktest.config <fragment with
CONFIG_KTEST_SOAK=y>"` and minutes of QEMU."""

import re

from conftest import KTEST_FRAGMENT, TEST_OUT, boot, build

OPS = 10000


def test_long_soak_runs_its_configured_length_and_passes():
    frag = TEST_OUT / "soak.config"
    frag.parent.mkdir(parents=True, exist_ok=True)
    frag.write_text("CONFIG_KTEST_SOAK=y\nCONFIG_KTEST_SOAK_OPS=%d\n" % OPS)
    out = build("qemu_virt_slab_defconfig", [KTEST_FRAGMENT, str(frag)], tag="soak")
    result = boot(out, timeout=120)
    text = result.output
    assert not result.timed_out, text
    for name in ("long", "short"):
        assert "ktest: PASS soak.%s" % name in text, text
    runs = re.findall(r"^soak: (\d+) ops: (\d+) allocs, (\d+) frees, (\d+) reallocs, (\d+) frame "
                      r"ops, (\d+) failed; heap grew by (\d+) KiB$", text, re.M)
    assert sorted(int(r[0]) for r in runs) == [4000, OPS], runs
    for _, allocs, frees, reallocs, frame_ops, _, _ in runs:
        # Every kind of operation happened, and everything allocated was freed again.
        assert int(allocs) > 0 and int(reallocs) > 0 and int(frame_ops) > 0
        assert allocs == frees
    assert result.ktest_summary()[1] == 0
    assert result.returncode == 0
