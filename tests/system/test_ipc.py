# SPDX-License-Identifier: MIT
"""IPC from user mode (qemu_virt_user_defconfig, CONFIG_IPC): the handle and IPC syscalls'
results and errors as user programs see them, and a child spawned with handles (ipc_child) that
finds exactly those, with the rights given, and signals its parent through one."""

import re

import pytest

from conftest import build
from qemu_console import QemuConsole, lines

DEFCONFIG = "qemu_virt_user_defconfig"


@pytest.fixture(scope="module")
def shell():
    con = QemuConsole(build(DEFCONFIG))
    con.expect(r"^Bora: boot complete\r*\n")
    con.wait_prompt()
    yield con
    con.close()


def test_ipc_syscalls_from_one_task(shell):
    text = lines(shell.command("run ipc_test"))
    m = re.search(r"^ipc_test: (\d+) passed, (\d+) failed$", text, re.M)
    assert m, text
    assert int(m.group(2)) == 0 and int(m.group(1)) >= 49, text
    assert re.search(r"^task ipc_test \(\d+\) exited with status 0$", text, re.M), text


def test_clients_in_their_own_tasks_call_a_server_task(shell):
    text = lines(shell.command("run ipc_pingpong"))
    assert re.search(r"^ipc_pingpong: 4 clients x 300 calls ok$", text, re.M), text
    assert re.search(r"^task ipc_pingpong \(\d+\) exited with status 0$", text, re.M), text


def test_killing_a_server_fails_its_waiting_client_and_a_restarted_one_serves_the_retry(shell):
    text = lines(shell.command("run ipc_pingpong restart"))
    assert re.search(r"^ipc_pingpong: restart ok$", text, re.M), text
    assert re.search(r"^task ipc_pingpong \(\d+\) exited with status 0$", text, re.M), text


def test_user_fast_path_keeps_every_register_whichever_way_a_wait_ends(shell):
    # Calls and replies entering the peer straight from its frame, and fast-path waits that the
    # general path ends (user/programs/ipc_regs): s1-s11 and the words come back intact.
    text = lines(shell.command("run ipc_regs"))
    assert re.search(r"^ipc_regs: ok$", text, re.M), text
    assert re.search(r"^task ipc_regs \(\d+\) exited with status 0$", text, re.M), text
