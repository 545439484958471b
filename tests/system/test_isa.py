# SPDX-License-Identifier: MIT
"""CONFIG_RISCV_ISA_ZBB: the bit scans use Zbb's ctz/clz where the board has it, and a
kernel built with it on a hart without Zbb stops with a panic that names the option,
whether a scan faults first or the device tree check finds riscv,isa without zbb."""

import re
import subprocess

import pytest

from conftest import boot, build, read_config
from test_bad_inputs import edited_dtb

ZBB_SCANS = re.compile(r"\t(ctz|clz)\s")
ADVICE = "the kernel is built with CONFIG_RISCV_ISA_ZBB=y; rebuild with it off"


def disassembly(out):
    return subprocess.run(["riscv64-unknown-elf-objdump", "-d", str(out / "bora.elf")],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def kernel():
    return build("qemu_virt_defconfig")


def test_virt_uses_zbb_scans_and_sifive_u_none(kernel):
    assert read_config(kernel).get("CONFIG_RISCV_ISA_ZBB") == "y"
    assert ZBB_SCANS.search(disassembly(kernel))
    sifive = build("qemu_sifive_u_defconfig")
    assert "CONFIG_RISCV_ISA_ZBB" not in read_config(sifive)
    assert not ZBB_SCANS.search(disassembly(sifive))


def test_a_hart_without_zbb_gets_a_panic_naming_the_option(kernel):
    result = boot(kernel, timeout=60, extra=("-cpu", "rv64,zbb=false"))
    assert not result.timed_out, result.output
    assert re.search(r"^Kernel panic: illegal instruction 0x[0-9a-f]+ at sepc 0x[0-9a-f]+ is a "
                     r"Zbb instruction: the hart lacks Zbb, but " + re.escape(ADVICE) + "$",
                     result.output, re.M), result.output
    assert result.returncode != 0


def without_zbb(dts):
    """riscv,isa of every hart without its _zbb (QEMU still executes Zbb: only the tree lies)."""
    edited, n = re.subn(r'(riscv,isa = "[^"]*)_zbb', r"\1", dts)
    assert n >= 1, "QEMU's riscv,isa lists no zbb"
    return edited


def test_a_device_tree_without_zbb_is_refused_by_name(kernel):
    result = boot(kernel, timeout=60, extra=("-dtb", edited_dtb(kernel, without_zbb)))
    assert not result.timed_out, result.output
    assert re.search(r"^Kernel panic: isa: the boot hart's riscv,isa does not list zbb, but " +
                     re.escape(ADVICE) + "$", result.output, re.M), result.output
    assert result.returncode != 0
