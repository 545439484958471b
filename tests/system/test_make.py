# SPDX-License-Identifier: MIT
"""Linux/Zephyr build habits: help, O=, V=1, incremental rebuilds, savedefconfig."""

import os
import signal
import shutil
import time

import pytest

from conftest import DEFCONFIGS, ROOT, TEST_OUT, make, make_env


@pytest.fixture(scope="module")
def tree():
    out = TEST_OUT / "make-habits"
    shutil.rmtree(out, ignore_errors=True)
    make("O=%s" % out, "qemu_virt_defconfig")
    make("O=%s" % out, "all")
    return out


def test_help_lists_targets_and_every_defconfig():
    text = make("help").stdout
    for target in ("menuconfig", "guiconfig", "savedefconfig", "olddefconfig", "listnewconfig",
                   "randconfig", "KCONFIG_SEED", "allnoconfig", "allyesconfig", "alldefconfig",
                   "KCONFIG_ALLCONFIG", "run", "debug", "check", "O=<dir>", "V=1"):
        assert target in text, target
    for d in DEFCONFIGS:
        assert d in text


def test_out_of_tree_build_keeps_source_tree_clean(tree):
    assert (tree / "bora.elf").is_file() and (tree / "bora.bin").is_file()
    assert (tree / "include" / "generated" / "autoconf.h").is_file()
    assert (tree / "build" / "gen" / "linker.ld").is_file()
    assert (tree / "build" / "gen" / "boot_pt.S").is_file()


def test_nothing_rebuilds_when_nothing_changed(tree):
    text = make("O=%s" % tree, "all").stdout
    assert "  CC " not in text and "  LD " not in text, text


def test_verbose_shows_full_command_lines(tree):
    (tree / "build" / "kernel" / "lib" / "string.o").unlink()
    text = make("O=%s" % tree, "all", "V=1").stdout
    assert "riscv64-unknown-elf-gcc" in text and "-ffreestanding" in text and "lib/string.c" in text


def test_callers_make_flags_do_not_reach_the_tests_make(tree, monkeypatch):
    # As under `make -s check O=elsewhere`: make hands its flags and command-line variables
    # down through the environment; the tests' own make calls must not see them.
    monkeypatch.setenv("MAKEFLAGS", "s -- O=/nonexistent/elsewhere")
    monkeypatch.setenv("O", "/nonexistent/elsewhere")
    (tree / "build" / "kernel" / "lib" / "string.o").unlink()
    text = make("O=%s" % tree, "all").stdout
    assert "  CC       lib/string.c" in text, text


def test_edited_config_is_noticed(tree):
    cfg = tree / ".config"
    old = cfg.read_text()
    time.sleep(1.1)
    cfg.write_text(old.replace("CONFIG_HEAP_SIZE=0x20000", "CONFIG_HEAP_SIZE=0x40000"))
    try:
        text = make("O=%s" % tree, "all").stdout
        assert "  LD " in text
        header = (tree / "include" / "generated" / "autoconf.h").read_text()
        assert "#define CONFIG_HEAP_SIZE 0x40000UL" in header
        assert "0x40000" in (tree / "build" / "gen" / "linker.ld").read_text()
    finally:
        time.sleep(1.1)
        cfg.write_text(old)
        make("O=%s" % tree, "all")


def test_touching_config_without_change_rebuilds_no_object(tree):
    time.sleep(1.1)
    os.utime(tree / ".config")
    text = make("O=%s" % tree, "all").stdout
    assert "  CC " not in text, text


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_savedefconfig_gives_back_the_same_file(defconfig):
    out = TEST_OUT / ("savedefconfig-" + defconfig)
    shutil.rmtree(out, ignore_errors=True)
    make("O=%s" % out, defconfig)
    make("O=%s" % out, "savedefconfig")
    saved = (out / "defconfig").read_text()
    assert saved == (ROOT / "defconfigs" / defconfig).read_text()
    lines = saved.splitlines()
    assert lines == sorted(lines), "savedefconfig output must be sorted"
    shutil.rmtree(out, ignore_errors=True)


def test_olddefconfig_keeps_a_valid_config(tree):
    before = (tree / ".config").read_text()
    make("O=%s" % tree, "olddefconfig")
    assert (tree / ".config").read_text() == before


def test_unknown_target_points_at_help():
    proc = make("no-such-target", check=False)
    assert proc.returncode != 0
    assert "make help" in proc.stdout


def test_menuconfig_opens_kconfiglib_menuconfig(tmp_path):
    """Drive `make menuconfig` on a pseudo-terminal: the menus show, Q then Y saves a .config."""
    import pty
    import select
    import subprocess

    out = tmp_path / "mc"
    env = make_env(TERM="xterm", COLUMNS="100", LINES="30")
    master, slave = pty.openpty()
    proc = subprocess.Popen(["make", "O=%s" % out, "menuconfig"], cwd=ROOT, stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    screen = [b""]

    def read_until(needle, seconds=30):
        deadline = time.monotonic() + seconds
        while needle not in screen[0] and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    screen[0] += os.read(master, 65536)
                except OSError:
                    break
        return needle in screen[0]

    try:
        assert read_until(b"Memory management"), screen[0][-2000:]
        for menu in (b"Bora kernel configuration", b"Board", b"RISC-V architecture and paging"):
            assert menu in screen[0]
        os.write(master, b"Q")
        assert read_until(b"Save configuration?"), screen[0][-2000:]
        os.write(master, b"Y")
        read_until(b"\x00never", seconds=20)
        assert proc.wait(timeout=10) == 0
        assert "CONFIG_BOARD_QEMU_VIRT=y" in (out / ".config").read_text()
    finally:
        if proc.poll() is None:
            # make and menuconfig share the new session's process group: end both.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
