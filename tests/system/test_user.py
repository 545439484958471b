# SPDX-License-Identifier: MIT
"""User mode (qemu_virt_user_defconfig): init at boot, programs run from the shell, each fault
kind reported and killing only its task, the syscall test program's summary."""

import re

import pytest

from conftest import build
from qemu_console import QemuConsole, lines

DEFCONFIG = "qemu_virt_user_defconfig"
# program -> the report's cause and address; privileged spec table 4.2 gives the exit status
FAULTS = {
    "fault_kernel_read": ("load page fault", "0xffffffc080200000", 13),
    "fault_kernel_write": ("store/AMO page fault", "0xffffffc080200000", 15),
    "fault_unmapped": ("load page fault", "0x20000000", 13),
    "fault_exec_data": ("instruction page fault", None, 12),
    "fault_illegal": ("illegal instruction", None, 2),
    # QEMU reports a misaligned AMO as a load address misaligned; store/AMO is also allowed
    "fault_misaligned_atomic": ("(load|store/AMO) address misaligned", None, (4, 6)),
}


@pytest.fixture(scope="module")
def shell():
    con = QemuConsole(build(DEFCONFIG))
    con.boot_log = lines(con.expect(r"^Bora: boot complete\r*\n"))
    con.init_log = lines(con.wait_prompt())
    yield con
    con.close()


def test_init_starts_in_user_mode_at_boot(shell):
    log = shell.init_log
    assert re.search(r"^user: starting init as task 1$", log, re.M), log
    assert "init: running in user mode as task 1" in log
    assert re.search(r"^hello from user mode \(task \d+\) from init$", log, re.M), log
    assert "user: init exited with status 0" in log
    assert re.search(r"^user: \d+ ASID bits", shell.boot_log, re.M), shell.boot_log


def test_run_passes_arguments(shell):
    text = lines(shell.command("run hello one two"))
    assert re.search(r"^hello from user mode \(task (\d+)\) one two$", text, re.M), text
    assert re.search(r"^task hello \(\d+\) exited with status 0$", text, re.M), text


def test_run_unknown_program_lists_the_programs(shell):
    text = lines(shell.command("run no_such_program"))
    assert "run: no_such_program: ENOENT" in text
    listed = re.search(r"^run: programs: (.*)$", text, re.M).group(1).split()
    assert {"init", "hello", "syscall_test", *FAULTS} <= set(listed), text


@pytest.mark.parametrize("program", sorted(FAULTS))
def test_fault_kills_only_the_task(shell, program):
    cause, addr, codes = FAULTS[program]
    codes = codes if isinstance(codes, tuple) else (codes,)
    text = lines(shell.command("run " + program))
    m = re.search(r"^task %s \((\d+)\): (%s) at (0x[0-9a-f]+) \(sepc (0x[0-9a-f]+)\) \u2014 killed$"
                  % (program, cause), text, re.M)
    assert m, text
    if addr:
        assert m.group(3) == addr
    status = int(re.search(r"^task %s \(\d+\) exited with status (\d+)$" % program, text,
                           re.M).group(1))
    assert status - 128 in codes, text
    # The kernel and the shell go on, and the next task runs normally.
    after = lines(shell.command("run hello after"))
    assert "hello from user mode" in after and "after" in after, after
    tasks = lines(shell.command("tasks"))
    assert re.search(r"^asids: \d+ usable, 1 in use", tasks, re.M), tasks


def test_kill_refuses_bad_ids(shell):
    assert "kill: 'x1' is not a task id" in lines(shell.command("kill x1"))
    assert "kill: no task 4242" in lines(shell.command("kill 4242"))


def test_syscall_test_passes(shell):
    text = lines(shell.command("run syscall_test"))
    m = re.search(r"^syscall_test: (\d+) passed, (\d+) failed$", text, re.M)
    assert m, text
    assert int(m.group(1)) >= 100 and m.group(2) == "0", text
    assert re.search(r"^task syscall_test \(\d+\) exited with status 0$", text, re.M), text
