# SPDX-License-Identifier: MIT
"""The generated boot page table and linker layout, decoded from the built ELF."""

import shutil

import pytest
from elftools.elf.elffile import ELFFile

from conftest import DEFCONFIGS, TEST_OUT, build, make, read_config

GIB = 1 << 30
PTE_V, PTE_R, PTE_W, PTE_X, PTE_G, PTE_A, PTE_D = (1 << b for b in (0, 1, 2, 3, 5, 6, 7))


def symbols(elf):
    tab = elf.get_section_by_name(".symtab")
    return {s.name: s["st_value"] for s in tab.iter_symbols() if s.name}


def read_virt(elf, va, size):
    for sec in elf.iter_sections():
        start = sec["sh_addr"]
        if start <= va and va + size <= start + sec["sh_size"] and sec["sh_type"] != "SHT_NOBITS":
            data = sec.data()
            return data[va - start: va - start + size]
    raise AssertionError("0x%x not in any loaded section" % va)


def expected_table(cfg):
    off = int(cfg["CONFIG_KERNEL_VIRT_OFFSET"], 16)
    ram = int(cfg["CONFIG_RAM_BASE"], 16)
    leaf = PTE_V | PTE_A | PTE_D | PTE_G
    table = {}

    def put(va, pa, perms):
        table[(va >> 30) & 511] = ((pa >> 12) << 10) | leaf | perms

    put(ram, ram, PTE_R | PTE_W | PTE_X)
    put(ram + off, ram, PTE_R | PTE_W | PTE_X)
    for key in ("CONFIG_UART_BASE", "CONFIG_FINISHER_BASE"):
        base = int(cfg.get(key, "0x0"), 16)
        if base:
            giga = base & ~(GIB - 1)
            put(giga + off, giga, PTE_R | PTE_W)
    return table


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_boot_table_matches_configuration(defconfig):
    out = build(defconfig)
    cfg = read_config(out)
    with open(out / "bora.elf", "rb") as f:
        elf = ELFFile(f)
        syms = symbols(elf)
        va = syms["boot_pt_sv39"]
        assert va % 4096 == 0
        raw = read_virt(elf, va, 4096)
    entries = [int.from_bytes(raw[i * 8:(i + 1) * 8], "little") for i in range(512)]
    want = expected_table(cfg)
    got = {i: e for i, e in enumerate(entries) if e}
    assert got == want, {i: hex(e) for i, e in got.items()}
    for pte in got.values():
        assert pte & (PTE_A | PTE_D | PTE_G | PTE_V) == PTE_A | PTE_D | PTE_G | PTE_V
        assert not (pte & PTE_W and not pte & PTE_R), "W without R is reserved"
    if cfg["CONFIG_RAM_BASE"] == "0x80000000" and cfg["CONFIG_KERNEL_VIRT_OFFSET"] == "0xffffffc000000000":
        assert got[2] >> 10 == 0x80000 and got[0x102] >> 10 == 0x80000


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_linker_layout_matches_configuration(defconfig):
    out = build(defconfig)
    cfg = read_config(out)
    off = int(cfg["CONFIG_KERNEL_VIRT_OFFSET"], 16)
    load = int(cfg["CONFIG_KERNEL_LOAD_ADDR"], 16)
    with open(out / "bora.elf", "rb") as f:
        elf = ELFFile(f)
        syms = symbols(elf)
        assert elf.header["e_entry"] == load, "entry must be the physical load address"
        text = elf.get_section_by_name(".text")
        assert text["sh_addr"] == load + off
        loads = [seg for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"]
        for seg in loads:
            assert seg["p_vaddr"] - seg["p_paddr"] == off, "LMA must be VMA - offset"
        assert min(seg["p_paddr"] for seg in loads) == load
    assert syms["_skernel"] == load + off
    assert syms["_stext"] == load + off
    for s in ("_srodata", "_sdata", "_sbss", "_sstack_guard", "_sstack", "_sheap", "_end"):
        assert syms[s] % 4096 == 0, s
    assert syms["_eheap"] - syms["_sheap"] == int(cfg["CONFIG_HEAP_SIZE"], 16)
    assert syms["_estack"] - syms["_sstack"] == int(cfg["CONFIG_BOOT_STACK_SIZE"], 16)
    assert syms["_sstack"] - syms["_sstack_guard"] == 4096
    order = ["_stext", "_etext", "_srodata", "_erodata", "_sdata", "_edata", "_sbss", "_ebss",
             "_sstack_guard", "_sstack", "_estack", "_sheap", "_eheap", "_end"]
    assert [syms[s] for s in order] == sorted(syms[s] for s in order)


REFUSED_LAYOUTS = [
    ("CONFIG_RAM_BASE=0x80200000\nCONFIG_KERNEL_LOAD_ADDR=0x80400000\n",
     "CONFIG_RAM_BASE=0x80200000 is not 1 GiB-aligned"),
    ("CONFIG_KERNEL_LOAD_ADDR=0x80100000\n", "overlaps the firmware region"),
    ("CONFIG_KERNEL_LOAD_ADDR=0x90000000\n", "CONFIG_KERNEL_LOAD_ADDR=0x90000000 is outside RAM"),
    ("CONFIG_KERNEL_LOAD_ADDR=0x80200800\n", "is not 4 KiB-aligned"),
    ("CONFIG_HEAP_SIZE=0x20800\n", "CONFIG_HEAP_SIZE=0x20800 is not a non-zero multiple of 4 KiB"),
    ("CONFIG_HEAP_SIZE=0x8000000\n", "CONFIG_HEAP_SIZE=0x8000000 with the boot stack does not fit"),
    ("CONFIG_BOOT_STACK_SIZE=0x4800\n", "CONFIG_BOOT_STACK_SIZE=0x4800 is not a multiple of 4 KiB"),
    ("CONFIG_KERNEL_VIRT_OFFSET=0xffffffc000001000\n",
     "gen_layout: error: CONFIG_KERNEL_VIRT_OFFSET=0xffffffc000001000 is not 1 GiB-aligned"),
    ("CONFIG_KERNEL_VIRT_OFFSET=0x0000004000000000\n",
     "gen_layout: error: CONFIG_KERNEL_VIRT_OFFSET=0x4000000000 puts RAM at 0x4080000000, "
     "which is not a canonical upper-half Sv39 address"),
    # Hex symbols read digits as hex, with or without 0x: a decimal address is a different
    # number, and the message shows which.
    ("CONFIG_RAM_BASE=2147483648\n",
     "gen_layout: error: CONFIG_RAM_BASE=0x2147483648 is not 1 GiB-aligned"),
]


@pytest.mark.parametrize("fragment,message", REFUSED_LAYOUTS)
def test_impossible_layout_is_refused(fragment, message, request):
    out = TEST_OUT / ("layout-%d" % REFUSED_LAYOUTS.index((fragment, message)))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    frag = out / "layout.config"
    frag.write_text(fragment)
    make("O=%s" % out, "qemu_virt_defconfig", "KCONFIG_FRAGMENTS=%s" % frag)
    proc = make("O=%s" % out, "all", check=False)
    assert proc.returncode != 0, proc.stdout
    assert message in proc.stdout, proc.stdout
    assert not (out / "bora.elf").exists()
    assert not (out / "build" / "gen" / "linker.ld").exists(), "half-written layout left behind"
    shutil.rmtree(out, ignore_errors=True)
