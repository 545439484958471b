# SPDX-License-Identifier: MIT
"""Rows of docs/bad-inputs.md that no other test covers: a missing configuration fragment,
and device trees the kernel meets at boot (the default kernel booted under QEMU with an
edited copy of QEMU's own device tree, -dtb). Bad Kconfig values are in test_kconfig.py,
refused layouts in test_layout.py. Each case checks the message that names the cause."""

import re
import shutil
import subprocess

import pytest

from conftest import TEST_OUT, boot, build, make, read_config

@pytest.fixture
def out(request):
    """An empty O= directory for this case, removed afterwards."""
    path = TEST_OUT / ("badinput-" + re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)[:60])
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_missing_fragment_file_is_named(out):
    proc = make("O=%s" % out, "qemu_virt_defconfig",
                "KCONFIG_FRAGMENTS=%s" % (out / "no-such.config"), check=False)
    assert proc.returncode != 0
    assert "%s: no such configuration file" % (out / "no-such.config") in proc.stdout, proc.stdout
    assert not (out / ".config").exists()


# ---- device trees at boot -------------------------------------------------------------------

MEMORY_NODE = "reg = <0x00 0x80000000 0x00 0x8000000>;"


def short_reg(dts):
    """/memory's reg holds three cells where (address, size) pairs take four."""
    return dts.replace(MEMORY_NODE, "reg = <0x00 0x80000000 0x00>;", 1)


def nine_banks(dts):
    """The same 128 MiB described as nine banks, one more than CONFIG_PHYSMEM_MAX_BANKS."""
    size = 0x8000000 // 9 & ~0xfffff
    nodes = ""
    for i in range(9):
        base = 0x80000000 + i * size
        length = size if i < 8 else 0x88000000 - base
        nodes += ('\tmemory@%x {\n\t\tdevice_type = "memory";\n'
                  '\t\treg = <0x00 0x%x 0x00 0x%x>;\n\t};\n\n' % (base, base, length))
    dts = re.sub(r"\tmemory@80000000 \{.*?\};\n\n", "", dts, count=1, flags=re.S)
    return dts.replace("\tcpus {", nodes + "\tcpus {", 1)


def many_reservations(dts):
    """33 memory reservation block entries, one more than CONFIG_PHYSMEM_MAX_RESERVED."""
    rsv = "".join("/memreserve/ 0x%x 0x1000;\n" % (0x87000000 + i * 0x2000) for i in range(33))
    return dts.replace("/dts-v1/;\n", "/dts-v1/;\n" + rsv, 1)


def edited_dtb(out, edit):
    cfg = read_config(out)
    tmp = TEST_OUT / ("badinput-dtb-" + edit.__name__)
    tmp.mkdir(parents=True, exist_ok=True)
    blob = tmp / "qemu.dtb"
    subprocess.run(["qemu-system-riscv64", "-M", "%s,dumpdtb=%s" % (cfg["CONFIG_QEMU_MACHINE"],
                    blob), "-m", "128M", "-nographic"], check=True, capture_output=True,
                   timeout=60)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(blob)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    assert MEMORY_NODE in dts, "QEMU's device tree changed shape"
    (tmp / "edited.dts").write_text(edit(dts))
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(tmp / "edited.dtb"),
                    str(tmp / "edited.dts")], check=True, timeout=60)
    return str(tmp / "edited.dtb")


@pytest.fixture(scope="module")
def kernel():
    return build("qemu_virt_defconfig")


def test_memory_reg_of_the_wrong_length_falls_back_to_kconfig_ram(kernel):
    result = boot(kernel, timeout=90, until=r"^Bora: boot complete", mem="128M",
                  extra=["-dtb", edited_dtb(kernel, short_reg)])
    assert not result.timed_out, result.output
    assert re.search(r"^memmap: WARNING: device tree at 0x[0-9a-f]+ unusable \(unusable /memory "
                     r"banks: FDT_ERR_BADREG\); falling back to Kconfig RAM \[mem "
                     r"0x0000000080000000-0x0000000087ffffff\] \(CONFIG_RAM_BASE, "
                     r"CONFIG_RAM_SIZE\)$", result.output, re.M), result.output


def test_more_memory_banks_than_the_table_holds_are_named(kernel):
    result = boot(kernel, timeout=90, until=r"^Bora: boot complete", mem="128M",
                  extra=["-dtb", edited_dtb(kernel, nine_banks)])
    assert not result.timed_out, result.output
    assert re.search(r"^memmap: WARNING: more than 8 /memory banks; only the first 8 used "
                     r"\(CONFIG_PHYSMEM_MAX_BANKS\)$", result.output, re.M), result.output
    banks = re.findall(r"^memmap: RAM +\[mem ", result.output, re.M)
    assert len(banks) <= 8


def test_more_reservations_than_the_table_holds_panic_with_the_knob(kernel):
    result = boot(kernel, timeout=90, mem="128M",
                  extra=["-dtb", edited_dtb(kernel, many_reservations)])
    assert not result.timed_out, result.output
    assert re.search(r"^Kernel panic: memmap: device tree lists more than 32 reservations "
                     r"\(raise CONFIG_PHYSMEM_MAX_RESERVED\)$", result.output, re.M), result.output
    assert result.returncode != 0


# ---- the inventory itself ---------------------------------------------------------------------

def test_every_row_of_the_inventory_names_tests_that_exist():
    """docs/bad-inputs.md: each table row's last cell names tests, and each test exists."""
    from conftest import ROOT

    system = {p.name: p.read_text() for p in (ROOT / "tests" / "system").glob("*.py")}
    unit = {p.name: p.read_text() for p in (ROOT / "tests" / "unit").glob("*.c")}
    kernel = "".join(p.read_text() for p in (ROOT / "tests" / "kernel").glob("*.c"))
    fuzz = set(make("-s", "O=%s" % (TEST_OUT / "fuzz"), "fuzz-list").stdout.split())
    rows = [l for l in (ROOT / "docs" / "bad-inputs.md").read_text().splitlines()
            if l.startswith("| ") and not l.startswith("| Bad input") and
            not l.startswith("| Fault |") and not set(l) <= set("|- ")]
    assert len(rows) > 60
    previous_refs = 0
    for row in rows:
        cell = row.rstrip(" |").rsplit(" | ", 1)[-1]
        refs = 0
        if cell.startswith("same"):  # the row above's tests, maybe more after a ';'
            assert previous_refs, row
            refs, cell = previous_refs, cell[len("same"):]
        for part in cell.split(";"):
            kind, current = "system", None
            if part.strip().startswith(("unit:", "ktest:", "fuzz:")):
                kind = part.strip().split(":", 1)[0]
            for name in re.findall(r"`([^`]+)`", part):
                refs += 1
                if name.startswith("["):
                    continue  # another parameter of the test just named
                if kind == "fuzz":
                    assert name.split()[0] in fuzz, (row, name)
                    continue
                if kind == "ktest":
                    suite, test = name.split(".")
                    assert "KTEST(%s, %s)" % (suite, test) in kernel, (row, name)
                    continue
                if "::" not in name:
                    # A bare file (a whole suite) or a corpus file name.
                    assert name in system or name in unit or name.startswith("regress-"), \
                        (row, name)
                    continue
                file, test = name.split("::")
                current = file or current
                test = re.sub(r"\[.*\]$", "", test)
                if kind == "unit" or current.endswith(".c"):
                    assert re.search(r"\b%s\(" % re.escape(test), unit[current]), (row, name)
                else:
                    assert "def %s(" % test in system[current], (row, name)
        assert refs, "row without a test: " + row
        previous_refs = refs
