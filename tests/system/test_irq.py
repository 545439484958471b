# SPDX-License-Identifier: MIT
"""Interrupt-driven console and idle: the prompt sleeps in wfi instead of spinning, a line
pasted in one burst arrives whole on the boards whose UART interrupts (qemu_virt NS16550A,
sifive_u SiFive UART), and `irq` / `uptime` report what happened."""

import os
import re
import time

import pytest

from conftest import build
from qemu_console import QemuConsole, lines

IDLE_WINDOW = 10  # seconds at the idle prompt
# A host core is 100 % while a polling shell spins; an idle wfi loop costs QEMU a few percent.
# The limit leaves room for a loaded machine (QEMU's own timers and I/O thread).
MAX_IDLE_CPU_SHARE = 0.20
# The kernel's own count: share of the window the hart spent in wfi. The only work in the
# window is the `uptime` command itself, so anything above a few percent busy is spinning.
MIN_IDLE_SHARE = 0.5

UPTIME = re.compile(r"^up (\d+)\.(\d{6}) s, idle (\d+)\.(\d{6}) s = (\d+)\.(\d)% of (\d+) "
                    r"harts?, (\d+) Hz time CSR, timer (\S+), (tickless|periodic tick)$", re.M)


def start(out):
    con = QemuConsole(out)
    con.expect(r"^Bora: boot complete\r*\n")
    con.wait_prompt()
    return con


@pytest.fixture(scope="module")
def virt_shell():
    con = start(build("qemu_virt_defconfig"))
    yield con
    con.close()


def uptime(con):
    m = UPTIME.search(con.command("uptime"))
    assert m, con.transcript()
    g = m.groups()
    return int(g[0]) * 10**6 + int(g[1]), int(g[2]) * 10**6 + int(g[3]), int(g[6])


def cpu_seconds(pid):
    """utime + stime of a process from /proc/<pid>/stat (proc(5): fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_prompt_sleeps_instead_of_spinning(virt_shell):
    up1, idle1, harts = uptime(virt_shell)
    cpu1, wall1 = cpu_seconds(virt_shell.proc.pid), time.monotonic()
    time.sleep(IDLE_WINDOW)
    cpu2, wall2 = cpu_seconds(virt_shell.proc.pid), time.monotonic()
    up2, idle2, _ = uptime(virt_shell)
    host_share = (cpu2 - cpu1) / (wall2 - wall1)
    guest_share = (idle2 - idle1) / (up2 - up1) / harts
    assert host_share < MAX_IDLE_CPU_SHARE, \
        "QEMU used %.0f%% of a core at the idle prompt" % (100 * host_share)
    assert guest_share > MIN_IDLE_SHARE, \
        "the kernel was in wfi for only %.0f%% of the window" % (100 * guest_share)


def pasted_line(n):
    """One word of n printable characters, distinct enough that a lost byte shows."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[(i * 7) % len(alphabet)] for i in range(n))


def paste_and_check(con, n):
    word = pasted_line(n)
    con.send(word + "\r")  # one write: the whole burst reaches QEMU at once
    text = lines(con.expect(r"unknown command '[^'\n]*'.*\n"))
    assert "bora: unknown command '%s'" % word in text, text
    con.wait_prompt()


@pytest.mark.parametrize("n", [100, 120])
def test_pasted_line_arrives_whole_on_virt(virt_shell, n):
    paste_and_check(virt_shell, n)


def test_pasted_lines_back_to_back_arrive_whole_on_virt(virt_shell):
    """Three lines in one write, more than the 256-byte ring holds: whether the shell keeps
    up or the receive interrupt is held off while the ring is full, no byte is lost."""
    words = [pasted_line(120)[i:] + pasted_line(i + 1) for i in (0, 5, 9)]
    virt_shell.send("".join(w + "\r" for w in words))
    for w in words:
        text = lines(virt_shell.expect(r"unknown command '[^'\n]*'.*\n"))
        assert "bora: unknown command '%s'" % w in text, text
    virt_shell.wait_prompt()
    text = virt_shell.command("irq")
    m = re.search(r"^console input: interrupt 10, (\d+) bytes, ring 256 bytes, held off \d+",
                  text, re.M)
    assert m, text
    assert int(m.group(1)) >= sum(len(w) + 1 for w in words), text


def test_irq_counts_the_uart_source(virt_shell):
    def uart_count(text):
        m = re.search(r"^\s+10\s+(\d+)\s+enabled$", text, re.M)
        assert m, text
        return int(m.group(1))

    first = virt_shell.command("irq")
    assert "PLIC: 96 sources, context 1 (from the devicetree)" in first, first
    assert re.search(r"^\s+spurious\s+0$", first, re.M), first
    assert re.search(r"^\s+timer\s+\d+$", first, re.M), first
    second = virt_shell.command("irq")
    assert uart_count(second) > uart_count(first)  # typing "irq\r" interrupted


def test_pasted_line_arrives_whole_on_sifive_u():
    con = start(build("qemu_sifive_u_defconfig"))
    try:
        paste_and_check(con, 120)
        text = con.command("irq")
        assert "PLIC: 53 sources, context 2 (from the devicetree)" in text, text
        assert re.search(r"^\s+4\s+\d+\s+enabled$", text, re.M), text
        up, idle, harts = uptime(con)
        assert 0 < idle < up * harts
    finally:
        con.close()
