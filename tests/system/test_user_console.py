# SPDX-License-Identifier: MIT
"""The console UART driven from user mode (CONFIG_USER_CONSOLE_SERVER=y on qemu_virt, one
build: qemu_virt_user_defconfig + tests/user_console.config): boot runs `init console`, whose
client prints through uart_server; `run -h uart init console echo` echoes lines typed into
QEMU's serial through the server; killing the server while the client waits in a read fails
that read (no hang) and a restarted server serves the retry; device-page errors by name; the
kernel shell gets the UART back after each session."""

import re

import pytest

from conftest import build
from qemu_console import QemuConsole, lines

DEFCONFIG = "qemu_virt_user_defconfig"
FRAGMENT = "tests/user_console.config"


@pytest.fixture(scope="module")
def shell():
    con = QemuConsole(build(DEFCONFIG, fragments=(FRAGMENT,), tag="user_console"))
    yield con
    con.close()


def boot_text(shell):
    return lines(shell.wait_prompt())


def test_boot_prints_through_the_user_mode_server_and_hands_the_uart_back(shell):
    text = boot_text(shell)
    assert re.search(r"^user: starting init as task 1$", text, re.M), text
    assert re.search(r"^uart_server: serving the UART \(task \d+\)$", text, re.M), text
    assert re.search(r"^hello from user mode \(task \d+\) through uart_server$", text, re.M), text
    assert re.search(r"^init: hello exited with status 0$", text, re.M), text
    assert re.search(r"^user: init exited with status 0$", text, re.M), text
    # The shell reads again: the kernel took the UART's interrupt back.
    out = shell.command("irq")
    assert re.search(r"interrupt", out), out


def start_echo(shell, *extra):
    shell.type("run -h uart init console %s" % " ".join(extra + ("echo",)))
    shell.send("\r")
    shell.expect(r"^echo: type lines, 'quit' ends \(console uart_server\)\r*\n")


def say(shell, text):
    """Type a line into the user program (one byte at a time: the UART FIFO holds 16)."""
    for ch in text + "\r":
        shell.send(ch)
    return shell.expect(r"^echo: %s\r*\n" % re.escape(text))


def test_typed_lines_come_back_through_the_server(shell):
    start_echo(shell)
    say(shell, "hello bora")
    say(shell, "a second line, longer than the 16-byte FIFO of the UART")
    shell.send("quit\r")
    shell.expect(r"^echo: bye\r*\n")
    text = lines(shell.wait_prompt())
    assert re.search(r"^init: echo exited with status 0$", text, re.M), text
    assert re.search(r"^task init \(\d+\) exited with status 0$", text, re.M), text
    # The shell has its input back.
    assert "hello from user mode" in shell.command("run hello")


def test_killed_server_fails_the_waiting_read_and_a_restarted_one_serves_the_retry(shell):
    start_echo(shell, "restart")
    # The three tasks print in whatever order they run: wait for each line, in any order.
    seen = ""
    wanted = [r"^init: uart_server killed while echo waited in a read\r*$",
              r"^echo: read failed: EPEERDIED, retrying\r*$",
              r"^init: uart_server restarted as task \d+\r*$",
              r"^uart_server: serving the UART \(task \d+\)\r*$"]
    while not all(re.search(w, seen, re.M) for w in wanted):
        seen += shell.expect(r"\n")
    say(shell, "after the restart")
    shell.send("quit\r")
    text = lines(shell.wait_prompt())
    assert re.search(r"^init: echo exited with status 0$", text, re.M), text
    assert "hello from user mode" in shell.command("run hello")


def test_device_page_errors_by_name(shell):
    text = shell.command("run -h uart devpage_test")
    assert re.search(r"^devpage_test: (\d+) passed, 0 failed$", text, re.M), text
    assert re.search(r"^task devpage_test \(\d+\) exited with status 0$", text, re.M), text
    text = shell.command("run -h nothing hello")
    assert re.search(r"^run: -h nothing: no such handle set \(known: uart\)$", text, re.M), text
