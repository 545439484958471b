# SPDX-License-Identifier: MIT
"""Linux/Zephyr build habits: help, O=, V=1, incremental rebuilds, savedefconfig."""

import os
import re
import signal
import shutil
import subprocess
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
    names = [l.lstrip("# ").split("=")[0].split(" ")[0] for l in lines]
    assert names == sorted(names), "savedefconfig output must be sorted by symbol"
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


# ---- missing tools: installed on first use as root, or named with the apt-get line -------------

def fake_bin(tmp_path, **scripts):
    """A directory put first on PATH whose scripts stand in for system commands."""
    d = tmp_path / "fakebin"
    d.mkdir(exist_ok=True)
    for name, body in scripts.items():
        f = d / name.replace("_", "-")
        f.write_text("#!/bin/sh\n" + body + "\n")
        f.chmod(0o755)
    return d


NOT_INSTALLED = "exit 1"  # dpkg-query: no package is installed


def run_make(args, fake=None, **env):
    path = os.environ["PATH"] if fake is None else "%s:%s" % (fake, os.environ["PATH"])
    return make(*args, check=False, env=make_env(PATH=path, **env))


def test_missing_tool_stops_with_the_apt_get_line(tree, tmp_path):
    fake = fake_bin(tmp_path, dpkg_query=NOT_INSTALLED)
    proc = run_make(["O=%s" % tree, "run", "QEMU=qemu-system-nosuch"], fake)
    assert proc.returncode != 0
    assert [l for l in proc.stdout.splitlines() if "qemu-system-nosuch" in l] == [
        "error: qemu-system-nosuch not found; to install: sudo apt-get install qemu-system-misc"
    ], proc.stdout
    assert "OpenSBI" not in proc.stdout and "QEMU " not in proc.stdout


def test_missing_cross_compiler_stops_before_compiling(tmp_path):
    out = tmp_path / "cc"
    make("O=%s" % out, "qemu_virt_defconfig")
    fake = fake_bin(tmp_path, dpkg_query=NOT_INSTALLED)
    proc = run_make(["O=%s" % out, "CROSS_COMPILE=nosuch-", "all"], fake)
    assert proc.returncode != 0
    assert "error: nosuch-gcc, nosuch-objcopy not found; to install: sudo apt-get install " \
           "gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf" in proc.stdout, proc.stdout
    assert "  CC " not in proc.stdout and not (out / "bora.elf").exists()


def test_make_check_checks_pytest_before_running_python(tmp_path):
    # A Python without Debian's dist-packages (-S) lacks pytest, kconfiglib and the rest.
    fake = fake_bin(tmp_path, dpkg_query=NOT_INSTALLED,
                    python3_nosite='exec /usr/bin/python3 -S "$@"')
    proc = subprocess.run(["make", "check", "PYTHON=%s/python3-nosite" % fake], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=make_env(PATH="%s:%s" % (fake, os.environ["PATH"])), timeout=120)
    assert proc.returncode != 0
    assert "No module named" not in proc.stdout, proc.stdout
    assert re.search(r"^error: Python module kconfiglib, Python module pytest, .*not found; to "
                     r"install: sudo apt-get install python3-kconfiglib python3-pytest ",
                     proc.stdout, re.M), proc.stdout


def test_as_root_a_missing_tool_is_installed_saying_so_in_one_line(tree, tmp_path):
    log = tmp_path / "apt-get.log"
    fake = fake_bin(tmp_path, dpkg_query=NOT_INSTALLED, id="echo 0",
                    apt_get='echo "$@" >> %s' % log)
    proc = run_make(["O=%s" % tree, "run", "QEMU=qemu-system-nosuch"], fake, BORA_NO_INSTALL="0")
    lines = proc.stdout.splitlines()
    assert lines[0] == ("check-tools: qemu-system-nosuch missing: installing qemu-system-misc with "
                        "scripts/install-deps.sh (BORA_NO_INSTALL=1 stops this)"), proc.stdout
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1] == "install -y -qq --no-install-recommends qemu-system-misc"
    # The fake installed nothing, so the check after the installation still stops make.
    assert proc.returncode != 0 and "error: qemu-system-nosuch not found" in proc.stdout


def test_nothing_is_installed_when_everything_is_present(tmp_path):
    log = tmp_path / "apt-get.log"
    fake = fake_bin(tmp_path, id="echo 0", apt_get='echo "$@" >> %s' % log)
    out = tmp_path / "present"
    for args in (["qemu_virt_defconfig"], ["all"], ["unit-build-errno"]):
        proc = run_make(["O=%s" % out] + args, fake, BORA_NO_INSTALL="0")
        assert proc.returncode == 0, proc.stdout
        assert "installing" not in proc.stdout, proc.stdout
    assert not log.exists(), log.read_text()


def test_install_deps_is_idempotent_and_installs_nothing_when_complete(tmp_path):
    log = tmp_path / "apt-get.log"
    fake = fake_bin(tmp_path, id="echo 0", apt_get='echo "$@" >> %s' % log)
    proc = subprocess.run(["scripts/install-deps.sh"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          env=make_env(PATH="%s:%s" % (fake, os.environ["PATH"])))
    assert proc.returncode == 0, proc.stdout
    assert re.fullmatch(r"install-deps: all \d+ packages present\n", proc.stdout), proc.stdout
    assert not log.exists()
