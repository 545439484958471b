# SPDX-License-Identifier: MIT
"""Strict configuration: bad Kconfig input stops the build, names the cause, writes nothing."""

import re
import shutil

import pytest

from conftest import ROOT, TEST_OUT, make

BAD_INPUTS = [
    ("CONFIG_NO_SUCH_SYMBOL=y\n", "undefined symbol NO_SUCH_SYMBOL"),
    ("CONFIG_HEAP_SIZE=0x10\n", "CONFIG_HEAP_SIZE=0x10 is out of range: allowed 0x1000..0x10000000"),
    ("CONFIG_HEAP_SIZE=banana\n", "'banana' is invalid for HEAP_SIZE"),
    ("CONFIG_TLSF_SL_LOG2=9\n", "CONFIG_TLSF_SL_LOG2=9 is out of range: allowed 2..5"),
    ("# CONFIG_PAGE_ALLOC_BITMAP is not set\nCONFIG_PAGING_FULL_REMAP=y\n",
     "CONFIG_PAGING_FULL_REMAP=y cannot be set: unmet dependencies: PAGE_ALLOC_BITMAP"),
    ("CONFIG_KTEST_CRASH=y\n", "CONFIG_KTEST_CRASH=y cannot be set: unmet dependencies: KTEST"),
    ("CONFIG_CONSOLE_SBI=y\nCONFIG_UART_BASE=0x10000000\n",
     "CONFIG_UART_BASE=0x10000000 cannot be set: unmet dependencies: CONSOLE_NS16550A"),
    ("CONFIG_ALLOC_DEBUG=y\nCONFIG_KHEAP_QUARANTINE=0\n",
     "CONFIG_KHEAP_QUARANTINE=0 is out of range: allowed 1..256"),
    ("CONFIG_KTEST=maybe\n", "'maybe' is not a valid value for the bool symbol KTEST"),
    ("CONFIG_HEAP_SIZE=\n", "the value '' is invalid for HEAP_SIZE"),
    ("CONFIG_HEAP_ALLOC_BUDDY=y\nCONFIG_HEAP_ALLOC_SLAB=y\n",
     "CONFIG_HEAP_ALLOC_BUDDY=y conflicts with CONFIG_HEAP_ALLOC_SLAB=y in the same choice "
     "'HEAP_ALLOC'"),
    ('CONFIG_BOARD="nosuch"\n',
     "CONFIG_BOARD=nosuch: the symbol has no prompt and cannot be set by a configuration file"),
    ("CONFIG_RAM_SIZE=0x100000\n", "CONFIG_RAM_SIZE=0x100000 is out of range: allowed 0x800000.."),
    ("heap size = 4k\n", "ignoring malformed line 'heap size = 4k'"),
    ("CONFIG_KTEST_SOAK_OPS=50000\n",
     "CONFIG_KTEST_SOAK_OPS=50000 cannot be set: unmet dependencies: KTEST_SOAK"),
    ("CONFIG_KTEST=y\nCONFIG_KTEST_SOAK=y\nCONFIG_KTEST_SOAK_OPS=5\n",
     "CONFIG_KTEST_SOAK_OPS=5 is out of range: allowed 10000..1000000000"),
    # A choice member names its choice, whose prompt depends on KTEST_CRASH.
    ("CONFIG_KTEST=y\nCONFIG_KTEST_CRASH_LOAD_FAULT=y\n",
     "CONFIG_KTEST_CRASH_LOAD_FAULT=y cannot be set: unmet dependencies: "
     "KTEST_CRASH"),
]


@pytest.fixture
def outdir(request):
    out = TEST_OUT / ("kconfig-" + re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)[:60])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    yield out
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.parametrize("fragment,message", BAD_INPUTS)
def test_bad_input_is_refused_and_named(outdir, fragment, message):
    make("O=%s" % outdir, "qemu_virt_defconfig")
    good = (outdir / ".config").read_bytes()
    frag = outdir / "bad.config"
    frag.write_text(fragment)
    proc = make("O=%s" % outdir, "qemu_virt_defconfig", "KCONFIG_FRAGMENTS=%s" % frag, check=False)
    assert proc.returncode != 0, proc.stdout
    assert message in proc.stdout, proc.stdout
    assert "invalid configuration" in proc.stdout
    assert (outdir / ".config").read_bytes() == good, ".config was modified by a refused run"


def test_bad_dotconfig_edit_stops_the_build(outdir):
    make("O=%s" % outdir, "qemu_virt_defconfig")
    cfg = outdir / ".config"
    cfg.write_text(cfg.read_text() + "CONFIG_BOGUS_THING=y\n")
    proc = make("O=%s" % outdir, "all", check=False)
    assert proc.returncode != 0
    assert "undefined symbol BOGUS_THING" in proc.stdout
    assert not (outdir / "include" / "generated" / "autoconf.h").exists()
    assert not (outdir / "bora.elf").exists()


def test_unknown_defconfig_lists_the_available_ones(outdir):
    proc = make("O=%s" % outdir, "no_such_board_defconfig", check=False)
    assert proc.returncode != 0
    assert "no defconfig 'no_such_board_defconfig'" in proc.stdout
    assert "qemu_virt_defconfig" in proc.stdout


def test_build_without_config_says_what_to_do(outdir):
    proc = make("O=%s" % outdir, "all", check=False)
    assert proc.returncode != 0
    assert "run 'make <board>_defconfig' first" in proc.stdout


def test_every_symbol_has_help_text():
    import os
    import sys
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    import kconfiglib
    os.environ["srctree"] = str(ROOT)
    kconf = kconfiglib.Kconfig(str(ROOT / "Kconfig"), warn_to_stderr=False)
    missing = [s.name for s in kconf.unique_defined_syms
               if not any(n.help for n in s.nodes)]
    missing += [c.name for c in kconf.unique_choices if not any(n.help for n in c.nodes)]
    assert not missing, "symbols without help: %s" % ", ".join(missing)
