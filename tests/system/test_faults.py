# SPDX-License-Identifier: MIT
"""Each kind of fault produces a report a person can act on, and scripts/symbolize.sh
turns the report in `make run` output into function names and source lines.

One kernel with CONFIG_KTEST_CRASH runs the suites and then faults, of the kind
"ktest.crash=" names on its command line (tests/kernel/crash.c); the report must name the cause, give the faulting address in stval (the
address the kernel announced just before), dump every register, and end in a panic
that makes QEMU exit non-zero. The illegal-instruction kind is covered by
test_boot.py."""

import re
import subprocess

import pytest

from conftest import KTEST_FRAGMENT, ROOT, TEST_OUT, boot, build, make_env

CROSS = "riscv64-unknown-elf-"
REGISTERS = ("ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
             "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
             "t3", "t4", "t5", "t6")
# kind: (cause as the report names it, function the fault happens in; None: not in the kernel)
KINDS = {
    # OpenSBI forwards a misaligned AMO as a load or a store/AMO misaligned exception.
    "MISALIGNED": (r"(load|store/AMO) address misaligned \(scause 0x[46]\)", "crash_misaligned_amo"),
    "LOAD_FAULT": (r"load page fault \(scause 0xd\)", "crash_load_page_fault"),
    "STORE_FAULT": (r"store/AMO page fault \(scause 0xf\)", "crash_store_page_fault"),
    "FETCH_FAULT": (r"instruction page fault \(scause 0xc\)", None),
}


# The command line's name for each kind (tests/kernel/crash.c).
CMDLINE = {"MISALIGNED": "misaligned", "LOAD_FAULT": "load", "STORE_FAULT": "store",
           "FETCH_FAULT": "fetch"}


def crash_kernel():
    """One kernel for every kind, picked at boot with ktest.crash= (test_boot.py builds it too)."""
    return build("qemu_virt_defconfig", [KTEST_FRAGMENT, "tests/ktest_crash.config"], tag="crash")


def symbolize(elf, text):
    proc = subprocess.run([str(ROOT / "scripts" / "symbolize.sh"), str(elf)], input=text,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True)
    return proc.stdout


def functions_at(elf, addr):
    """The function holding addr, innermost inlined one first."""
    out = subprocess.run([CROSS + "addr2line", "-f", "-i", "-e", str(elf), addr],
                         stdout=subprocess.PIPE, text=True, check=True).stdout.split()
    return out[0::2]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fault_report_names_cause_address_registers_and_place(kind):
    cause, function = KINDS[kind]
    out = crash_kernel()
    result = boot(out, timeout=60, extra=("-append", "ktest.crash=" + CMDLINE[kind]))
    text = result.output
    assert re.search(r"^Command line: ktest.crash=%s$" % CMDLINE[kind], text, re.M), text
    assert not result.timed_out, text
    announced = re.search(r"^ktest: deliberate .* at 0x([0-9a-f]+)$", text, re.M)
    assert announced, "the crash kind did not run:\n" + text
    want_stval = int(announced.group(1), 16)

    assert re.search(r"^Unhandled trap: %s$" % cause, text, re.M), text
    regs = re.search(r"^  sepc ([0-9a-f]{16})  stval ([0-9a-f]{16})  sstatus [0-9a-f]{16}$",
                     text, re.M)
    assert regs, text
    sepc, stval = int(regs.group(1), 16), int(regs.group(2), 16)
    assert stval == want_stval, "stval %#x, the fault was at %#x" % (stval, want_stval)
    for reg in REGISTERS:
        assert re.search(r"\b%s\s+[0-9a-f]{16}\b" % reg, text), "register %s missing" % reg
    assert re.search(r"^Kernel panic: .* at sepc %#x, stval %#x$" % (sepc, stval), text, re.M), text
    assert result.returncode != 0, "a fault must make QEMU exit non-zero"

    decoded = symbolize(out / "bora.elf", text)
    # "#N address  function at file:line" ("?? ??:0" where addr2line knows nothing)
    frames = re.findall(r"^  #(\d+)\s+([0-9a-f]{16})  (\S+)(?: at)? (\S+)$", decoded, re.M)
    assert frames and frames[0][0] == "0" and int(frames[0][1], 16) == sepc, decoded
    if function:
        # The faulting instruction, by function and line of tests/kernel/crash.c.
        assert frames[0][2] == function, decoded
        assert re.match(r".*/tests/kernel/crash\.c:\d+$", frames[0][3]), decoded
    else:
        # A jump to an unmapped address: sepc is that address, ra says who jumped.
        assert sepc == stval
        ra = re.search(r"\bra\s+([0-9a-f]{16})\b", text).group(1)
        assert "crash_fetch_page_fault" in functions_at(out / "bora.elf", "0x" + ra)
    assert any(f[2] == "kernel_main" and "/kernel/main.c:" in f[3] for f in frames[1:]), decoded


def test_symbolize_decodes_make_run_output():
    out = crash_kernel()
    proc = subprocess.run(["make", "O=%s" % out, "run", "CMDLINE=ktest.crash=load"], cwd=ROOT,
                          env=make_env(),
                          stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = proc.stdout.decode(errors="replace").replace("\r\n", "\n")
    assert "Unhandled trap: load page fault" in text, text
    decoded = symbolize(out / "bora.elf", text)
    assert re.search(r"^  #0\s+ffffffc0[0-9a-f]{8}  crash_load_page_fault at \S+/crash\.c:\d+$",
                     decoded, re.M), decoded
    assert re.search(r"^  #\d+\s+[0-9a-f]{16}  kernel_main at \S+/kernel/main\.c:\d+$", decoded,
                     re.M), decoded
    # Lines other than the backtrace pass through untouched.
    assert [l for l in decoded.splitlines() if not l.startswith("  #")] == \
        [l for l in text.splitlines() if not l.startswith("  #")]


def test_an_unknown_crash_kind_is_named_and_the_configured_one_taken():
    result = boot(crash_kernel(), timeout=60, extra=("-append", "ktest.crash=bogus quiet"))
    text = result.output
    assert re.search(r"^ktest: ktest.crash=bogus is not illegal, misaligned, load, store, fetch, "
                     r"thread_overflow or boot_overflow; taking the configured illegal$",
                     text, re.M), text
    assert re.search(r"^Unhandled trap: illegal instruction", text, re.M), text
    assert result.returncode != 0


def test_a_boot_stack_overflow_without_a_guard_page_is_refused_by_name():
    # qemu_virt_defconfig keeps the early map: no guard page would catch the overflow.
    result = boot(crash_kernel(), timeout=60, extra=("-append", "ktest.crash=boot_overflow"))
    text = result.output
    assert re.search(r"^ktest: ktest.crash=boot_overflow needs CONFIG_PAGING_FULL_REMAP \(no guard "
                     r"page under the boot stack here\); taking the configured illegal$",
                     text, re.M), text
    assert re.search(r"^Unhandled trap: illegal instruction", text, re.M), text
    assert result.returncode != 0
