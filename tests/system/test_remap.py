# SPDX-License-Identifier: MIT
"""Stage-2 paging (CONFIG_PAGING_FULL_REMAP) in QEMU: all RAM owned by the frame allocator at
128 MiB, 4 GiB and 16 GiB, the in-kernel suites at each size, the W^X line, ptdump's ranges,
the Kconfig fallback for device trees the kernel cannot use, and the boot-stack guard page."""

import re
import subprocess

import pytest

from conftest import DEFCONFIGS, KTEST_FRAGMENT, TEST_OUT, boot, build, read_config

FULL_REMAP = "qemu_virt_full_remap_defconfig"
EARLY = "qemu_virt_defconfig"
PTDUMP_FRAGMENT = "tests/ptdump.config"
MEM_BYTES = {"128M": 128 << 20, "4G": 4 << 30, "16G": 16 << 30}
GIGA = 1 << 30
# What RAM holds besides free frames: the firmware's 2 MiB, the image, the DTB's slot.
NOT_FRAMES_MAX = 8 << 20


def boot_to_completion(out, mem, extra=()):
    result = boot(out, timeout=90, until=r"^Bora: boot complete", mem=mem, extra=extra)
    assert not result.timed_out, "no 'boot complete' line:\n" + result.output
    return result.output


def frames_kib(text):
    m = re.search(r"^mm: frames (\d+) free of (\d+) \((\d+) KiB\), (\d+) bitmap pages, "
                  r"(\d+) zones?", text, re.M)
    assert m, "no frame allocator line:\n" + text
    return int(m.group(3))


def test_full_remap_defconfigs_exist_and_combine_with_another_allocator():
    remap = [d for d in DEFCONFIGS if d.startswith("qemu_virt_full_remap")]
    assert FULL_REMAP in remap
    assert any(d != FULL_REMAP for d in remap), "no full-remap defconfig with another allocator"


@pytest.mark.parametrize("mem", sorted(MEM_BYTES, key=MEM_BYTES.get))
def test_frame_allocator_owns_all_ram(mem):
    out = build(FULL_REMAP)
    text = boot_to_completion(out, mem)
    ram = MEM_BYTES[mem]
    assert re.search(r"^memmap: RAM +\[mem 0x0000000080000000-0x%016x\] .*device tree /memory$"
                     % (0x80000000 + ram - 1), text, re.M), text
    total = frames_kib(text) * 1024
    assert ram - NOT_FRAMES_MAX <= total < ram, (total, ram)
    assert "left unused" not in text
    m = re.search(r"^mm: W\^X check: ok, (\d+) leaves$", text, re.M)
    assert m and int(m.group(1)) > 0, text
    m = re.search(r"^mm: remap: .* (\d+) page-table pages", text, re.M)
    assert m, text
    # A gigapage per GiB above the first: the table count does not grow with RAM.
    assert 3 <= int(m.group(1)) <= 8, m.group(0)
    assert re.search(r"^mm: remap: satp 0x8\w+ -> 0x8\w+, boot page table at "
                     r"0x\w+ retired$", text, re.M), text


# The suites whose subject grows with RAM (the table, the memory map, the frame allocator);
# test_boot.py runs every suite on this kernel at its default 128 MiB. Not the heap's or the
# caches': those that fill the heap until the frames run out made QEMU touch all 16 GiB (16.8 GB
# resident on the host, and the OOM killer's choice when two such boots overlapped).
RAM_SUITES = "remap,memmap,frames,boot"


@pytest.mark.parametrize("mem", sorted(MEM_BYTES, key=MEM_BYTES.get))
def test_ktest_suites_pass_with_ram(mem):
    out = build(FULL_REMAP, [KTEST_FRAGMENT], tag="ktest")
    result = boot(out, timeout=120, mem=mem, extra=["-append", "ktest=" + RAM_SUITES])
    assert "ktest: only the suites in bootargs ktest=%s" % RAM_SUITES in result.output
    assert not result.timed_out, result.output
    summary = result.ktest_summary()
    assert summary, "no ktest summary:\n" + result.output
    fails = re.findall(r"^ktest: FAIL .*$", result.output, re.M)
    assert summary[1] == 0, "\n".join(fails)
    assert result.returncode == 0
    for name in ("store_to_text_faults", "jump_into_data_faults",
                 "stack_guard_page_is_unmapped", "stores_are_visible_through_aliases",
                 "wx_scan_catches_a_writable_executable_leaf"):
        assert re.search(r"^ktest: PASS remap\.%s$" % name, result.output, re.M), name
    high = r"^ktest: PASS remap\.frames_above_the_first_gigabyte_alloc_and_free$"
    assert bool(re.search(high, result.output, re.M)) == (MEM_BYTES[mem] > 2 * GIGA)


PTDUMP_LINE = re.compile(r"^ptdump: 0x([0-9a-f]{16})-0x([0-9a-f]{16}) 0x([0-9a-f]{16}) +(.+?) "
                         r"(4K|2M|1G) x(\d+) +([R-][W-][X-]) ([U-][G-][A-][D-])$", re.M)


def ptdump_ranges(text):
    ranges = [(int(va, 16), int(end, 16), int(pa, 16), page, int(n), perm, bits)
              for va, end, pa, _, page, n, perm, bits in PTDUMP_LINE.findall(text)]
    assert ranges, "no ptdump lines:\n" + text
    m = re.search(r"^ptdump: (\d+) ranges, (\d+) leaves$", text, re.M)
    assert m and int(m.group(1)) == len(ranges), text
    return ranges


def layout_start(text, section):
    m = re.search(r"^  %s\s+0x([0-9a-f]{16}) - 0x([0-9a-f]{16})" % re.escape(section), text, re.M)
    assert m, section
    return int(m.group(1), 16), int(m.group(2), 16)


def covering(ranges, va):
    hits = [r for r in ranges if r[0] <= va < r[1]]
    assert len(hits) <= 1
    return hits[0] if hits else None


def test_ptdump_shows_section_permissions_and_gigapages():
    out = build(FULL_REMAP, [PTDUMP_FRAGMENT], tag="ptdump")
    offset = int(read_config(out)["CONFIG_KERNEL_VIRT_OFFSET"], 16)
    text = boot_to_completion(out, "4G")
    assert "ptdump: kernel page table (stage 2)" in text
    ranges = ptdump_ranges(text)
    for va, end, pa, page, count, perm, bits in ranges:
        assert va >= offset, "identity or low mapping at %#x" % va
        assert pa == va - offset, "not the linear-map slot: %#x -> %#x" % (va, pa)
        assert bits == "-GAD", bits
        assert not ("W" in perm and "X" in perm), perm
        size = {"4K": 1 << 12, "2M": 1 << 21, "1G": 1 << 30}[page]
        assert end - va == count * size
    text_start, text_end = layout_start(text, ".text")
    first = covering(ranges, text_start)
    assert first and first[0] == text_start and first[5] == "R-X", first
    assert covering(ranges, text_end - 1)[5] == "R-X"
    assert covering(ranges, layout_start(text, ".rodata")[0])[5] == "R--"
    assert covering(ranges, layout_start(text, ".data")[0])[5] == "RW-"
    guard, _ = layout_start(text, "guard")
    assert covering(ranges, guard) is None, "the stack guard page is mapped"
    assert covering(ranges, guard + 4096)[5] == "RW-"
    # 4 GiB from 0x8000_0000: the three gigapages above the image's are 1 GiB leaves.
    giga = covering(ranges, offset + 0xC0000000)
    assert giga and giga[3] == "1G" and giga[0] == offset + 0xC0000000, giga
    assert giga[1] == offset + 0x180000000 and giga[4] == 3, giga
    # The gigapage holding the image is split: 2 MiB leaves after the image.
    assert covering(ranges, offset + 0xA0000000)[3] == "2M"
    uart = covering(ranges, offset + int(read_config(out)["CONFIG_UART_BASE"], 16))
    assert uart and uart[5] == "RW-" and uart[3] == "4K", uart


def test_early_stage_reports_ram_left_out():
    out = build(EARLY)
    text = boot_to_completion(out, "4G")
    assert re.search(r"^mm: early paging maps 1 GiB of RAM; 3072 MiB above it left unused$",
                     text, re.M), text
    assert frames_kib(text) * 1024 < GIGA


def qemu_dtb(out, tmp):
    """QEMU's own device tree for this machine, decompiled."""
    cfg = read_config(out)
    blob = tmp / "qemu.dtb"
    machine = "%s,dumpdtb=%s" % (cfg["CONFIG_QEMU_MACHINE"], blob)
    subprocess.run(["qemu-system-riscv64", "-M", machine, "-m", "128M", "-nographic"],
                   check=True, capture_output=True, timeout=60)
    return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(blob)], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def overlapping_banks(dts):
    extra = ('\tmemory@84000000 {\n\t\tdevice_type = "memory";\n'
             '\t\treg = <0x00 0x84000000 0x00 0x8000000>;\n\t};\n\n')
    return dts.replace("\tmemory@80000000 {", extra + "\tmemory@80000000 {", 1)


def nested_too_deep(dts):
    # Valid for QEMU's and OpenSBI's libfdt, deeper than CONFIG_FDT_MAX_DEPTH (16).
    deep = "".join("\tdeep%d {\n" % i for i in range(24)) + "\t};\n" * 24
    return dts.replace("\tchosen {", deep + "\tchosen {", 1)


def without_memory(dts):
    return re.sub(r"\tmemory@[0-9a-f]+ \{.*?\};\n", "", dts, flags=re.S)


@pytest.mark.parametrize("edit,reason", [
    (overlapping_banks, r"unusable /memory banks: EOVERLAP"),
    (nested_too_deep, r"rejected by the FDT reader: FDT_ERR_TOODEEP"),
    (without_memory, r"no /memory node"),
], ids=["overlapping-banks", "too-deep", "no-memory"])
def test_unusable_device_tree_falls_back_to_kconfig_ram(edit, reason):
    out = build(FULL_REMAP)
    text = boot_to_completion(out, "128M", extra=["-dtb", compiled_dtb(out, edit)])
    warning = re.search(r"^memmap: WARNING: device tree at 0x[0-9a-f]+ unusable \((.*)\); "
                        r"falling back to Kconfig RAM \[mem 0x0000000080000000-"
                        r"0x0000000087ffffff\]", text, re.M)
    assert warning, text
    assert re.fullmatch(reason, warning.group(1)), warning.group(1)
    assert re.search(r"^memmap: RAM +\[mem 0x0000000080000000-0x0000000087ffffff\] 128 MiB  "
                     r"Kconfig$", text, re.M), text
    assert ((128 << 20) - NOT_FRAMES_MAX) <= frames_kib(text) * 1024 < (128 << 20)
    assert re.search(r"^mm: W\^X check: ok", text, re.M)


def two_banks_with_a_hole(dts):
    # QEMU's 128 MiB described as [0x8000_0000, +64 MiB) and [0x8600_0000, +32 MiB).
    second = ('\tmemory@86000000 {\n\t\tdevice_type = "memory";\n'
              '\t\treg = <0x00 0x86000000 0x00 0x2000000>;\n\t};\n\n')
    first = "reg = <0x00 0x80000000 0x00 0x8000000>;"
    assert first in dts
    dts = dts.replace(first, "reg = <0x00 0x80000000 0x00 0x4000000>;", 1)
    return dts.replace("\tmemory@80000000 {", second + "\tmemory@80000000 {", 1)


def compiled_dtb(out, edit):
    tmp = TEST_OUT / ("dtb-" + edit.__name__)
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "edited.dts").write_text(edit(qemu_dtb(out, tmp)))
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(tmp / "edited.dtb"),
                    str(tmp / "edited.dts")], check=True, timeout=60)
    return str(tmp / "edited.dtb")


def test_every_bank_is_mapped_and_the_hole_is_not():
    out = build(FULL_REMAP, [KTEST_FRAGMENT], tag="ktest")
    dtb = compiled_dtb(out, two_banks_with_a_hole)
    result = boot(out, timeout=120, mem="128M", extra=["-dtb", dtb])
    text = result.output
    assert not result.timed_out, text
    assert "WARNING" not in text
    banks = re.findall(r"^memmap: RAM +\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]", text, re.M)
    assert banks == [("0x0000000080000000", "0x0000000083ffffff"),
                     ("0x0000000086000000", "0x0000000087ffffff")], banks
    assert ((96 << 20) - NOT_FRAMES_MAX) <= frames_kib(text) * 1024 < (96 << 20)
    # The memory-map and remap suites check the banks, the zones and the mapped ranges.
    for suite in ("memmap", "remap"):
        runs = re.findall(r"^ktest: RUN  %s\.(\w+)$" % suite, text, re.M)
        passes = re.findall(r"^ktest: (?:PASS|SKIP) %s\.(\w+)\b" % suite, text, re.M)
        assert runs and sorted(runs) == sorted(passes), "\n".join(
            re.findall(r"^ktest: FAIL %s\..*$" % suite, text, re.M))


def test_valid_device_tree_gives_no_warning():
    text = boot_to_completion(build(FULL_REMAP), "128M")
    assert "WARNING" not in text
    assert re.search(r"^memmap: device tree at 0x[0-9a-f]+, \d+ bytes$", text, re.M), text


def test_boot_stack_overflow_hits_the_guard_page_and_panics():
    out = build(FULL_REMAP, [KTEST_FRAGMENT], tag="ktest")
    result = boot(out, timeout=120, extra=("-append", "ktest.crash=boot_overflow"))
    assert not result.timed_out, result.output
    assert "ktest: deliberate boot stack overflow" in result.output
    guard = re.search(r"^  guard\s+0x([0-9a-f]{16}) - 0x([0-9a-f]{16})", result.output, re.M)
    m = re.search(r"^Kernel panic: stack overflow in the boot stack: guard page hit at "
                  r"0x([0-9a-f]+)", result.output, re.M)
    assert guard and m, result.output
    assert int(guard.group(1), 16) <= int(m.group(1), 16) < int(guard.group(2), 16)
    assert "ktest: the boot stack overflowed without a fault" not in result.output
    assert result.returncode != 0
