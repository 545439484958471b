# SPDX-License-Identifier: MIT
"""The kernel shell driven through QEMU's stdio: every command's output, errors, line editing."""

import re

import pytest

from conftest import DEFCONFIGS, build, read_config
from qemu_console import PROMPT, QemuConsole, lines

COMMANDS = ("help", "version", "config", "meminfo", "heap", "ptdump", "alloc", "uptime",
            "irq", "poweroff", "reboot", "ps", "sleep")
CTRL_C, CTRL_U, BACKSPACE, DEL = "\x03", "\x15", "\x08", "\x7f"
UP, DOWN = "\x1b[A", "\x1b[B"


def start(out):
    con = QemuConsole(out)
    con.boot_log = lines(con.expect(r"^Bora: boot complete\r*\n"))
    con.greeting = lines(con.wait_prompt())
    return con


@pytest.fixture(scope="module")
def virt():
    out = build("qemu_virt_defconfig")
    return out, read_config(out)


@pytest.fixture(scope="module")
def shell(virt):
    """One qemu_virt session for the commands that leave the machine running."""
    con = start(virt[0])
    yield con
    con.close()


def test_prompt_follows_boot_complete(shell):
    assert PROMPT not in shell.boot_log, "prompt printed before boot complete"
    assert shell.greeting == "Bora shell: type 'help' for the commands.\n" + PROMPT


def test_help_lists_every_command(shell):
    text = shell.command("help")
    listed = re.findall(r"^  (\w+)", text, re.M)
    assert sorted(listed) == sorted(COMMANDS), text
    assert "Ctrl-U" in text and "Up/Down" in text


def test_version_matches_the_build(shell, virt):
    cfg = virt[1]
    text = shell.command("version")
    m = re.search(r"^Bora (\S+) \(board (\S+), paging (\S+), allocator (\S+), console (\S+)\)$",
                  text, re.M)
    assert m, text
    assert m.group(1) == cfg["CONFIG_BORA_VERSION"]
    assert m.group(2) == cfg["CONFIG_BOARD"]
    assert m.group(5) == "ns16550a"
    banner = re.search(r"^Bora \S+ \(board \S+, paging (\S+), allocator (\S+),", shell.boot_log,
                       re.M)
    assert (m.group(3), m.group(4)) == banner.groups()
    assert re.search(r"^built with gcc \d+\.\d+", text, re.M), text


def config_lines(text):
    return dict(line.split("=", 1) for line in text.splitlines() if line.startswith("CONFIG_"))


def test_config_prints_the_resolved_configuration(shell, virt):
    out, cfg = virt
    shown = config_lines(shell.command("config"))
    assert set(shown) == set(cfg), set(shown) ^ set(cfg)
    header = (out / "include" / "generated" / "autoconf.h").read_text()
    for name, value in cfg.items():
        if re.search(r'^#define %s "' % name, header, re.M):
            assert shown[name] == '"%s"' % value, name
        else:
            assert shown[name] == value, name
    assert shown["CONFIG_SHELL"] == "y"
    assert shown["CONFIG_SHELL_HISTORY"] == cfg["CONFIG_SHELL_HISTORY"]


def test_config_filter_and_no_match(shell):
    assert config_lines(shell.command("config HEAP_SIZE")) == {"CONFIG_HEAP_SIZE": "0x20000"}
    text = shell.command("config NO_SUCH_SYMBOL")
    assert "config: no symbol matches 'NO_SUCH_SYMBOL'" in text


def numbers(pattern, text):
    m = re.search(pattern, text, re.M)
    assert m, "%r not in:\n%s" % (pattern, text)
    return [int(g, 16) if g.startswith("0x") else int(g, 10) for g in m.groups()]


def test_meminfo_reports_ram_frames_and_heap(shell, virt):
    cfg = virt[1]
    text = shell.command("meminfo")
    base, end, kib = numbers(r"^  RAM\s+(0x[0-9a-f]+) - (0x[0-9a-f]+)\s+(\d+) KiB \(DTB", text)
    assert base == int(cfg["CONFIG_RAM_BASE"], 16)
    assert end - base == int(cfg["CONFIG_RAM_SIZE"], 16) == kib * 1024
    kstart, _, _ = numbers(r"^  kernel\s+(0x[0-9a-f]+) - (0x[0-9a-f]+)\s+(\d+) KiB", text)
    assert kstart == int(cfg["CONFIG_KERNEL_LOAD_ADDR"], 16)
    total, used, free, meta = numbers(
        r"^  frames\s+total (\d+)  used (\d+)  free (\d+)  metadata (\d+)", text)
    assert total > 0 and total == used + free + meta
    assert re.search(r"^  heap\s+tlsf: total [1-9]\d*  used \d+  free [1-9]\d*", text, re.M), text
    assert re.search(r"^  heap\s+live \d+  allocations \d+  failed \d+", text, re.M), text


def test_heap_check_passes(shell):
    text = shell.command("heap check")
    assert re.search(r"^heap check: heap OK \(tlsf, \d+ live blocks", text, re.M), text
    assert re.search(r"^heap check: frames OK \((\d+) free of (\d+)\)", text, re.M), text


def test_heap_needs_a_known_subcommand(shell):
    assert "heap: unknown subcommand 'fix' (expected: heap check)" in shell.command("heap fix")
    assert "heap: usage: heap check" in shell.command("heap")


def test_ptdump_shows_the_boot_table(shell, virt):
    text = shell.command("ptdump")
    assert re.search(r"^ptdump: boot page table, root at physical 0x", text, re.M), text
    assert re.search(r"^ptdump: 0xffffffc080000000-0xffffffc0c0000000 0x0*80000000 .* 1G x1 +RWX",
                     text, re.M), text
    assert re.search(r"^ptdump: 3 ranges, 3 leaves", text, re.M), text


def test_alloc_allocates_aligned_and_frees(shell, virt):
    offset = int(virt[1]["CONFIG_KERNEL_VIRT_OFFSET"], 16)
    text = shell.command("alloc 4k 256")
    va, pa, usable = numbers(r"^alloc: 4096 bytes at (0x[0-9a-f]+) \(physical (0x[0-9a-f]+)\), "
                             r"usable (\d+)", text)
    assert va % 256 == 0 and va - pa == offset and usable >= 4096
    before, during, live0, live1 = numbers(
        r"^alloc: heap used (\d+) -> (\d+) bytes, live blocks (\d+) -> (\d+)", text)
    assert during >= before + 4096 and live1 == live0 + 1
    after, live2 = numbers(r"^alloc: freed, heap used (\d+) bytes, live blocks (\d+)", text)
    assert (after, live2) == (before, live0)


def test_alloc_can_grow_the_heap_from_frames(shell):
    text = shell.command("alloc 0x100000")
    assert re.search(r"^alloc: 1048576 bytes at 0xffffffc0", text, re.M), text


@pytest.mark.parametrize("args,message", [
    ("alloc", "alloc: usage: alloc <size> [align]"),
    ("alloc 1 2 3", "alloc: usage: alloc <size> [align]"),
    ("alloc abc", "alloc: bad size 'abc': not a number"),
    ("alloc 4q", "alloc: bad size '4q': not a number"),
    ("alloc 99999999999999999999", "alloc: bad size '99999999999999999999': out of range"),
    ("alloc 64 x", "alloc: bad alignment 'x': not a number"),
    ("alloc 0", "alloc: size must be at least 1 byte"),
    ("alloc 64 3", "alloc: alignment 3 is not a power of two"),
    ("alloc 64 0", "alloc: alignment 0 is not a power of two"),
    ("alloc 1G", "alloc: out of memory: no 1073741824-byte block"),
])
def test_alloc_rejects_bad_arguments(shell, args, message):
    assert message in shell.command(args)


def test_heap_is_intact_after_the_alloc_errors(shell):
    text = shell.command("heap check")
    assert "heap OK" in text and "frames OK" in text, text


def test_uptime_counts_at_the_dtb_timebase(shell):
    pattern = (r"^up (\d+)\.(\d{6}) s, idle (\d+)\.(\d{6}) s = (\d+)\.(\d)% of (1) hart, "
               r"(10000000) Hz time CSR, timer sstc, tickless$")
    s1, us1, i1, ius1, pct1, _, _, _ = numbers(pattern, shell.command("uptime"))
    s2, us2, i2, ius2, pct2, _, _, hz = numbers(pattern, shell.command("uptime"))
    up1, up2 = s1 * 10**6 + us1, s2 * 10**6 + us2
    idle1, idle2 = i1 * 10**6 + ius1, i2 * 10**6 + ius2
    assert up2 > up1 > 0
    assert idle1 <= up1 and idle2 <= up2 and idle2 >= idle1
    assert 0 <= pct1 <= 100 and 0 <= pct2 <= 100
    assert hz == 10000000


@pytest.mark.parametrize("line,message", [
    ("frobnicate", "bora: unknown command 'frobnicate' (type 'help' for the list)"),
    ("Help", "bora: unknown command 'Help'"),
    ("help me", "help: usage: help"),
    ("poweroff now", "poweroff: usage: poweroff"),
    ("a b c d e f g h i", "bora: too many words: a command takes at most 8"),
])
def test_bad_input_gets_an_error_and_the_prompt_back(shell, line, message):
    assert message in shell.command(line)
    assert "Bora" in shell.command("version")


def test_empty_and_blank_lines_just_prompt_again(shell):
    assert shell.command("") == ""
    assert shell.command("   ") == ""


def test_backspace_and_delete_edit_the_line(shell):
    shell.type("versXY")
    shell.send(BACKSPACE)
    shell.expect(re.escape("\b \b"))
    shell.send(DEL)
    shell.expect(re.escape("\b \b"))
    assert re.search(r"^Bora \S+ \(board", shell.command("ion"), re.M)


def test_ctrl_u_erases_the_line(shell):
    shell.type("reboot")
    shell.send(CTRL_U)
    shell.expect(re.escape("\b \b" * 6))
    assert "Commands:" in shell.command("help")


def test_ctrl_c_drops_the_line_and_keeps_running(shell):
    shell.type("poweroff")
    shell.send(CTRL_C)
    shell.expect(r"\^C\r*\n")
    shell.wait_prompt()
    assert shell.proc.poll() is None
    assert "up " in shell.command("uptime")


def test_up_and_down_recall_history(shell):
    shell.command("config HEAP_SIZE")
    shell.command("version")
    shell.send(UP)
    shell.expect("version")
    shell.send(UP)
    shell.expect("config HEAP_SIZE")
    shell.send(DOWN)
    shell.expect("version")
    shell.send("\r")
    shell.expect(r"\r*\n")
    text = shell.wait_prompt()
    assert re.search(r"^Bora \S+ \(board", text, re.M), text


def test_poweroff_exits_qemu_with_status_0(virt):
    con = start(virt[0])
    try:
        con.type("poweroff")
        con.send("\r")
        con.expect(r"Powering off")
        assert con.wait_exit() == 0, con.transcript()
    finally:
        con.close()


@pytest.mark.parametrize("defconfig", ["qemu_virt_defconfig", "qemu_sifive_u_defconfig"])
def test_reboot_boots_again(defconfig):
    con = start(build(defconfig))
    try:
        con.type("reboot")
        con.send("\r")
        con.expect(r"Rebooting")
        con.expect(r"^Bora: boot complete")
        con.wait_prompt()
        assert len(re.findall(r"^Bora \S+ \(board", con.transcript(), re.M)) == 2
        con.type("poweroff")
        con.send("\r")
        assert con.wait_exit() == 0, con.transcript()
    finally:
        con.close()


def test_reboot_is_refused_where_the_firmware_cannot_reset():
    out = build("qemu_spike_defconfig")
    assert "CONFIG_SHELL_REBOOT" not in read_config(out)
    con = start(out)
    try:
        text = con.command("reboot")
        assert "reboot: not available on board qemu_spike: its firmware cannot reset the " \
               "machine (CONFIG_SHELL_REBOOT=n)" in text, text
        assert "Rebooting" not in text
        assert "heap OK" in con.command("heap check")
    finally:
        con.close()


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_every_board_runs_the_shell_and_powers_off(defconfig):
    out = build(defconfig)
    cfg = read_config(out)
    if cfg.get("CONFIG_SHELL") != "y":
        pytest.fail("%s builds without CONFIG_SHELL" % defconfig)
    con = start(out)
    try:
        text = con.command("version")
        assert "(board %s," % cfg["CONFIG_BOARD"] in text, text
        assert "heap OK" in con.command("heap check")
        assert re.search(r"^up \d+\.\d{6} s", con.command("uptime"), re.M)
        con.type("poweroff")
        con.send("\r")
        assert con.wait_exit() == 0, con.transcript()
    finally:
        con.close()
