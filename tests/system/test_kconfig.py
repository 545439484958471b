# SPDX-License-Identifier: MIT
"""Strict configuration: bad Kconfig input stops the build, names the cause, writes nothing."""

import os
import re
import shutil

import pytest

from conftest import ROOT, TEST_OUT, make

BAD_INPUTS = [
    ("CONFIG_NO_SUCH_SYMBOL=y\n", "undefined symbol NO_SUCH_SYMBOL"),
    ("CONFIG_HEAP_SIZE=0x10\n", "CONFIG_HEAP_SIZE=0x10 is out of range: allowed 0x10000..0x10000000"),
    ("CONFIG_HEAP_SIZE=banana\n", "'banana' is invalid for HEAP_SIZE"),
    ("CONFIG_TLSF_SL_LOG2=9\n", "CONFIG_TLSF_SL_LOG2=9 is out of range: allowed 2..5"),
    ("# CONFIG_PAGE_ALLOC_BITMAP is not set\n",
     "CONFIG_PAGE_ALLOC_BITMAP=n: the symbol has no prompt and cannot be set"),
    ("CONFIG_KTEST_CRASH=y\n",
     "CONFIG_KTEST_CRASH=y cannot be set: unmet dependencies: KTEST_DELIBERATE_FAULTS\n"),
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
    ("CONFIG_KTEST=y\nCONFIG_KTEST_DELIBERATE_FAULTS=y\nCONFIG_KTEST_CRASH_LOAD_FAULT=y\n",
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


# ---- boards offer only the hardware they have -----------------------------------------------------

CONSOLE_MISMATCHES = [
    ("qemu_virt_defconfig", "CONFIG_CONSOLE_SIFIVE_UART=y\n",
     "CONFIG_CONSOLE_SIFIVE_UART=y cannot be set: unmet dependencies: HAS_SIFIVE_UART (board "
     "qemu_virt has no HAS_SIFIVE_UART; pick CONFIG_CONSOLE_NS16550A=y or CONFIG_CONSOLE_SBI=y)"),
    ("qemu_spike_defconfig", "CONFIG_CONSOLE_NS16550A=y\n",
     "CONFIG_CONSOLE_NS16550A=y cannot be set: unmet dependencies: HAS_UART_NS16550A (board "
     "qemu_spike has no HAS_UART_NS16550A; pick CONFIG_CONSOLE_SBI=y)"),
    ("qemu_sifive_u_defconfig", "CONFIG_CONSOLE_NS16550A=y\n",
     "CONFIG_CONSOLE_NS16550A=y cannot be set: unmet dependencies: HAS_UART_NS16550A (board "
     "qemu_sifive_u has no HAS_UART_NS16550A; pick CONFIG_CONSOLE_SBI=y or "
     "CONFIG_CONSOLE_SIFIVE_UART=y)"),
    ("qemu_spike_defconfig", "# CONFIG_SEMIHOSTING_EXIT is not set\n",
     "CONFIG_SEMIHOSTING_EXIT=n is forced to y by: BOARD_QEMU_SPIKE (select)"),
]


@pytest.mark.parametrize("defconfig,fragment,message", CONSOLE_MISMATCHES)
def test_hardware_the_board_lacks_is_refused_with_what_to_pick(outdir, defconfig, fragment,
                                                               message):
    frag = outdir / "console.config"
    frag.write_text(fragment)
    proc = make("O=%s" % outdir, defconfig, "KCONFIG_FRAGMENTS=%s" % frag, check=False)
    assert proc.returncode != 0, proc.stdout
    assert message in proc.stdout, proc.stdout
    assert "assignment ignored" not in proc.stdout
    assert not (outdir / ".config").exists()


def load_kconfig_module():
    import sys
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    sys.path.insert(0, str(ROOT / "scripts"))
    import kconfig
    return kconfig


def test_every_console_choice_has_its_board_hardware_and_address():
    """Each board offers exactly the consoles whose HAS_* it selects, each with a UART_BASE."""
    kconfig = load_kconfig_module()
    kconf = kconfig.load_kconfig()
    boards = [m for m in kconf.named_choices["BOARD_CHOICE"].syms]
    assert len(boards) >= 3
    for board in boards:
        board.set_value(2)
        offered = {m.name for m in kconf.named_choices["CONSOLE_CHOICE"].syms if m.visibility}
        has = {s.name for s in kconf.unique_defined_syms
               if s.name.startswith("HAS_") and s.str_value == "y"}
        want = {"CONSOLE_NS16550A": "HAS_UART_NS16550A", "CONSOLE_SIFIVE_UART": "HAS_SIFIVE_UART",
                "CONSOLE_SBI": "HAS_SBI_CONSOLE"}
        assert offered == {c for c, h in want.items() if h in has}, (board.name, offered, has)
        for console in offered:
            kconf.syms[console].set_value(2)
            assert kconfig.unset_values(kconf) == [], (board.name, console)
            if console != "CONSOLE_SBI":
                assert kconf.syms["UART_BASE"].str_value, (board.name, console)


# ---- generated configurations ---------------------------------------------------------------------

GENERATED = ["randconfig", "allnoconfig", "allyesconfig", "alldefconfig"]


@pytest.mark.parametrize("target", GENERATED)
def test_generated_config_is_valid_and_respects_O(outdir, target):
    proc = make("O=%s" % outdir, target)
    cfg = outdir / ".config"
    assert cfg.is_file(), proc.stdout
    text = cfg.read_text()
    # Strict like a defconfig: reading it back changes nothing.
    make("O=%s" % outdir, "olddefconfig")
    assert cfg.read_text() == text
    for deliberate in ("KTEST_DELIBERATE_FAULTS", "KTEST_CRASH"):
        assert "CONFIG_%s=y" % deliberate not in text, (target, deliberate)
    if target == "allyesconfig":
        for opt in ("KTEST", "ALLOC_DEBUG", "PTDUMP", "SHELL"):
            assert "CONFIG_%s=y" % opt in text, opt
    if target == "allnoconfig":
        for opt in ("KTEST", "SHELL", "ALLOC_DEBUG", "HEAP_GROWABLE"):
            assert "# CONFIG_%s is not set" % opt in text, opt


def test_randconfig_prints_its_seed_and_the_seed_repeats_it(outdir):
    first = make("O=%s" % outdir, "randconfig").stdout
    m = re.search(r"randconfig KCONFIG_SEED=(0x[0-9a-f]+)", first)
    assert m, first
    text = (outdir / ".config").read_text()
    again = make("O=%s" % outdir, "randconfig", "KCONFIG_SEED=%s" % m.group(1)).stdout
    assert "KCONFIG_SEED=%s" % m.group(1) in again
    assert (outdir / ".config").read_text() == text


def test_randconfig_varies_board_allocator_paging_and_sizes():
    kconfig = load_kconfig_module()
    import random
    seen = {"board": set(), "alloc": set(), "paging": set(), "heap": set(), "debug": set()}
    for seed in range(40):
        kconf = kconfig.load_kconfig()
        kconfig.randomize(kconf, random.Random(seed))
        seen["board"].add(kconf.named_choices["BOARD_CHOICE"].selection.name)
        seen["alloc"].add(kconf.named_choices["HEAP_ALLOC"].selection.name)
        seen["paging"].add(kconf.named_choices["PAGING_STAGE"].selection.name)
        seen["heap"].add(kconf.syms["HEAP_SIZE"].str_value)
        seen["debug"].add(kconf.syms["ALLOC_DEBUG"].str_value)
        assert kconf.syms["KTEST_DELIBERATE_FAULTS"].str_value == "n", seed
        low, high = 0x10000, 0x10000000
        assert low <= int(kconf.syms["HEAP_SIZE"].str_value, 16) <= high
        assert int(kconf.syms["HEAP_SIZE"].str_value, 16) % 0x1000 == 0
        # Board facts are never drawn at random.
        assert kconf.syms["RAM_BASE"].str_value == "0x80000000"
    assert len(seen["board"]) >= 3 and len(seen["alloc"]) == 4 and len(seen["paging"]) == 2
    assert len(seen["heap"]) >= 10 and seen["debug"] == {"y", "n"}


def test_allconfig_fragment_values_are_kept(outdir):
    frag = outdir / "keep.config"
    frag.write_text("CONFIG_KTEST=y\nCONFIG_HEAP_ALLOC_SLAB=y\n")
    for seed in ("1", "2", "3"):
        make("O=%s" % outdir, "randconfig", "KCONFIG_SEED=" + seed, "KCONFIG_ALLCONFIG=%s" % frag)
        text = (outdir / ".config").read_text()
        assert "CONFIG_KTEST=y" in text and "CONFIG_HEAP_ALLOC_SLAB=y" in text
    make("O=%s" % outdir, "allnoconfig", "KCONFIG_ALLCONFIG=%s" % frag)
    assert "CONFIG_KTEST=y" in (outdir / ".config").read_text()


def test_generated_config_with_a_bad_fragment_is_refused(outdir):
    make("O=%s" % outdir, "qemu_virt_defconfig")
    good = (outdir / ".config").read_bytes()
    frag = outdir / "bad.config"
    frag.write_text("CONFIG_HEAP_SIZE=0x10\n")
    proc = make("O=%s" % outdir, "randconfig", "KCONFIG_ALLCONFIG=%s" % frag, check=False)
    assert proc.returncode != 0
    assert "CONFIG_HEAP_SIZE=0x10 is out of range" in proc.stdout, proc.stdout
    assert (outdir / ".config").read_bytes() == good


def test_listnewconfig_lists_what_the_config_does_not_mention(outdir):
    make("O=%s" % outdir, "qemu_virt_defconfig")
    assert make("O=%s" % outdir, "listnewconfig").stdout.strip() == ""
    cfg = outdir / ".config"
    cfg.write_text("".join(l for l in cfg.read_text().splitlines(True)
                           if not l.startswith(("CONFIG_HEAP_SIZE=", "# CONFIG_PTDUMP "))))
    listed = make("O=%s" % outdir, "listnewconfig").stdout.splitlines()
    assert sorted(listed) == ["# CONFIG_PTDUMP is not set", "CONFIG_HEAP_SIZE=0x20000"], listed


def test_guiconfig_without_a_display_says_so(outdir):
    make("O=%s" % outdir, "qemu_virt_defconfig")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = make("O=%s" % outdir, "guiconfig", env=env, check=False, timeout=60)
    assert proc.returncode != 0
    assert "guiconfig needs a graphical display (DISPLAY is not set)" in proc.stdout, proc.stdout


def test_every_deliberate_failure_sits_behind_the_gate():
    """randconfig and allyesconfig never set KTEST_DELIBERATE_FAULTS, so an option that ends the
    run in a fault on purpose must depend on it, or a generated configuration fails by design."""
    kconfig = load_kconfig_module()
    import kconfiglib
    kconf = kconfig.load_kconfig()
    gate = kconf.syms["KTEST_DELIBERATE_FAULTS"]
    deliberate = [s for s in kconf.unique_defined_syms if s is not gate and
                  any(n.prompt and "deliberately" in n.prompt[0].lower() for n in s.nodes)]
    assert "KTEST_CRASH" in [s.name for s in deliberate], [s.name for s in deliberate]
    for sym in deliberate:
        assert gate in kconfiglib.expr_items(sym.direct_dep), sym.name
