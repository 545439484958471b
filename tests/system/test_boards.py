# SPDX-License-Identifier: MIT
"""Per-board values: Kconfig against QEMU's own device tree, the generated boot table and
linker layout against the board's values, and pairs of boards differing exactly where their
values differ."""

import re
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from conftest import (DEFCONFIGS, KTEST_FRAGMENT, ROOT, SEMIHOSTING_FLAGS, TEST_OUT, boot, build,
                      make_env, qemu_command, read_config)
from qemu_console import QemuConsole, lines
from test_layout import expected_table, read_virt, symbols

GIB = 1 << 30
MIB = 1 << 20
PTE_R, PTE_W, PTE_X = 1 << 1, 1 << 2, 1 << 3
RAM_INDEX, MMIO_ALIAS_INDEX, RAM_ALIAS_INDEX = 2, 0x100, 0x102

# What each board is, from its README (QEMU 7.2 machine models): the tests check the
# Kconfig values and the generated tables against these and against QEMU's DTB.
BOARDS = {
    "qemu_virt_defconfig": dict(machine="virt", ram_size=128 * MIB, console="ns16550a",
                                uart=0x10000000, finisher=0x100000, hart=0),
    "qemu_virt_2g_defconfig": dict(machine="virt", ram_size=2 * GIB, console="ns16550a",
                                   uart=0x10000000, finisher=0x100000, hart=0),
    "qemu_sifive_u_defconfig": dict(machine="sifive_u", ram_size=256 * MIB,
                                    console="sifive-uart", uart=0x10010000, finisher=0, hart=1),
    "qemu_spike_defconfig": dict(machine="spike", ram_size=128 * MIB, console="sbi", uart=0,
                                 finisher=0, hart=0),
}
UART_COMPATIBLE = {"ns16550a": "ns16550a", "sifive-uart": "sifive,uart0"}


def cfg_int(cfg, name, default="0x0"):
    return int(cfg.get(name, default), 16)


# ---- QEMU's device tree for the configured machine ------------------------------------------

def parse_dts(text):
    """{path: {property: raw value}} from dtc's dts output (one statement per line)."""
    nodes, path = {"/": {}}, []
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r"^([\w,.@+-]+) \{$", line)
        if m:
            path.append(m.group(1))
            nodes["/" + "/".join(path)] = {}
        elif line == "};" and path:
            path.pop()
        elif line.endswith(";") and path is not None:
            name, _, value = line[:-1].partition(" = ")
            nodes["/" + "/".join(path) if path else "/"][name] = value
    return nodes


def cells(value):
    return [int(c, 16) for c in re.findall(r"0x[0-9a-f]+", value)]


@pytest.fixture(scope="module")
def dtbs():
    cache = {}

    def get(defconfig):
        if defconfig not in cache:
            out = build(defconfig)
            cfg = read_config(out)
            dtb = TEST_OUT / ("board-%s.dtb" % defconfig)
            extra = cfg.get("CONFIG_QEMU_EXTRA_FLAGS", "").split()
            subprocess.run(["qemu-system-riscv64", "-M", "%s,dumpdtb=%s" % (
                cfg["CONFIG_QEMU_MACHINE"], dtb), "-m", "%dM" % (cfg_int(cfg, "CONFIG_RAM_SIZE") >> 20),
                "-nographic", *extra], check=True, capture_output=True)
            dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(dtb)], check=True,
                                 capture_output=True, text=True).stdout
            cache[defconfig] = (out, cfg, parse_dts(dts))
        return cache[defconfig]
    return get


def node_at(tree, base):
    return [p for p, props in tree.items()
            if "reg" in props and cells(props["reg"])[:2] == [base >> 32, base & 0xffffffff]]


@pytest.mark.parametrize("defconfig", sorted(BOARDS))
def test_board_values_match_the_board(defconfig, dtbs):
    _, cfg, _ = dtbs(defconfig)
    want = BOARDS[defconfig]
    assert cfg["CONFIG_QEMU_MACHINE"] == want["machine"]
    assert cfg_int(cfg, "CONFIG_RAM_BASE") == 0x80000000
    assert cfg_int(cfg, "CONFIG_RAM_SIZE") == want["ram_size"]
    assert cfg_int(cfg, "CONFIG_UART_BASE") == want["uart"]
    assert cfg_int(cfg, "CONFIG_FINISHER_BASE") == want["finisher"]


@pytest.mark.parametrize("defconfig", DEFCONFIGS)
def test_kconfig_matches_qemus_device_tree(defconfig, dtbs):
    _, cfg, tree = dtbs(defconfig)
    base, size = cfg_int(cfg, "CONFIG_RAM_BASE"), cfg_int(cfg, "CONFIG_RAM_SIZE")
    memory = [p for p, props in tree.items() if props.get("device_type") == '"memory"']
    assert len(memory) == 1, memory
    assert cells(tree[memory[0]]["reg"]) == [base >> 32, base & 0xffffffff, size >> 32,
                                             size & 0xffffffff]
    stdout = tree["/chosen"]["stdout-path"].strip('"')
    uart = cfg_int(cfg, "CONFIG_UART_BASE")
    if uart:
        console = "sifive-uart" if "CONFIG_CONSOLE_SIFIVE_UART" in cfg else "ns16550a"
        assert node_at(tree, uart) == [stdout], "UART_BASE is not the DTB's stdout-path"
        assert UART_COMPATIBLE[console] in tree[stdout]["compatible"]
    else:
        assert "CONFIG_CONSOLE_SBI" in cfg
        assert stdout == "/htif", "a board without a UART console must be spike's HTIF"
    finisher = cfg_int(cfg, "CONFIG_FINISHER_BASE")
    tests = [p for p, props in tree.items() if "sifive,test0" in props.get("compatible", "")]
    if finisher:
        assert node_at(tree, finisher) == tests, "FINISHER_BASE is not the sifive,test node"
    else:
        assert tests == [], "the machine has a finisher the board does not use"


# ---- generated boot table and linker layout -----------------------------------------------

def boot_table(out):
    with open(out / "bora.elf", "rb") as f:
        elf = ELFFile(f)
        syms = symbols(elf)
        raw = read_virt(elf, syms["boot_pt_sv39"], 4096)
    table = {i: int.from_bytes(raw[i * 8:(i + 1) * 8], "little") for i in range(512)}
    return {i: e for i, e in table.items() if e}, syms


def image_limit(out):
    ld = (out / "build" / "gen" / "linker.ld").read_text()
    return int(re.search(r"ASSERT\(_end - KERNEL_VIRT_OFFSET <= (0x[0-9a-f]+)", ld).group(1), 16)


@pytest.mark.parametrize("defconfig", sorted(BOARDS))
def test_boot_table_holds_the_board_values(defconfig):
    out = build(defconfig)
    want = BOARDS[defconfig]
    table, _ = boot_table(out)
    ram_ppn = 0x80000000 >> 12
    assert table[RAM_INDEX] >> 10 == ram_ppn and table[RAM_ALIAS_INDEX] >> 10 == ram_ppn
    for i in (RAM_INDEX, RAM_ALIAS_INDEX):
        assert table[i] & (PTE_R | PTE_W | PTE_X) == PTE_R | PTE_W | PTE_X
    mmio = [b for b in (want["uart"], want["finisher"]) if b]
    if mmio:
        # Every device these boards use sits in gigapage 0, so one RW leaf maps them all.
        assert {(b >> 30) for b in mmio} == {0}
        assert table[MMIO_ALIAS_INDEX] >> 10 == 0
        assert table[MMIO_ALIAS_INDEX] & (PTE_R | PTE_W | PTE_X) == PTE_R | PTE_W
    assert set(table) == {RAM_INDEX, RAM_ALIAS_INDEX} | ({MMIO_ALIAS_INDEX} if mmio else set())


@pytest.mark.parametrize("defconfig", sorted(BOARDS))
def test_linker_layout_holds_the_board_values(defconfig):
    out = build(defconfig)
    cfg = read_config(out)
    _, syms = boot_table(out)
    offset = cfg_int(cfg, "CONFIG_KERNEL_VIRT_OFFSET")
    ram_base, ram_size = 0x80000000, BOARDS[defconfig]["ram_size"]
    assert syms["_skernel"] - offset == cfg_int(cfg, "CONFIG_KERNEL_LOAD_ADDR") == 0x80200000
    # The image must end below the DTB window under min(mapped RAM end, 3 GiB).
    limit = min(ram_base + min(ram_size, GIB), 3 * GIB) - 2 * MIB
    assert image_limit(out) == limit
    assert syms["_end"] - offset <= limit


def test_virt_and_virt_2g_differ_only_in_the_image_limit():
    small, big = build("qemu_virt_defconfig"), build("qemu_virt_2g_defconfig")
    # The early stage maps one RAM gigapage either way: the same table.
    assert boot_table(small)[0] == boot_table(big)[0]
    assert (image_limit(small), image_limit(big)) == (0x87e00000, 0xbfe00000)
    a = (small / "build" / "gen" / "linker.ld").read_text().splitlines()
    b = (big / "build" / "gen" / "linker.ld").read_text().splitlines()
    changed = [(x, y) for x, y in zip(a, b) if x != y]
    assert len(a) == len(b) and len(changed) == 2, changed
    for x, y in changed:
        assert x.replace("0x87e00000", "0xbfe00000") == y


def test_spike_lacks_exactly_the_mmio_leaf_of_virt():
    virt, _ = boot_table(build("qemu_virt_defconfig"))
    spike, _ = boot_table(build("qemu_spike_defconfig"))
    assert set(virt) - set(spike) == {MMIO_ALIAS_INDEX}
    assert {i: virt[i] for i in spike} == spike


def test_sifive_u_uart_shares_virts_mmio_gigapage():
    virt, _ = boot_table(build("qemu_virt_defconfig"))
    sifive, _ = boot_table(build("qemu_sifive_u_defconfig"))
    assert sifive == virt


@pytest.mark.parametrize("pair", [("qemu_virt_defconfig", "qemu_spike_defconfig"),
                                  ("qemu_virt_defconfig", "qemu_sifive_u_defconfig"),
                                  ("qemu_virt_2g_defconfig", "qemu_spike_defconfig"),
                                  ("qemu_sifive_u_defconfig", "qemu_spike_defconfig")])
def test_tables_differ_exactly_where_the_values_differ(pair):
    (a, ca), (b, cb) = [(build(d), read_config(build(d))) for d in pair]
    want_a, want_b = expected_table(ca), expected_table(cb)
    want_diff = {i for i in set(want_a) | set(want_b) if want_a.get(i) != want_b.get(i)}
    got_a, got_b = boot_table(a)[0], boot_table(b)[0]
    got_diff = {i for i in set(got_a) | set(got_b) if got_a.get(i) != got_b.get(i)}
    assert got_diff == want_diff


# ---- the running board -------------------------------------------------------------------------

@pytest.mark.parametrize("defconfig", sorted(BOARDS))
def test_board_boots_on_its_hart_with_its_ram_and_timebase(defconfig, dtbs):
    out, cfg, tree = dtbs(defconfig)
    want = BOARDS[defconfig]
    con = QemuConsole(out)
    try:
        log = lines(con.expect(r"^Bora: boot complete\r*\n"))
        con.wait_prompt()
        assert re.search(r"^Booted on hart %d," % want["hart"], log, re.M), log
        assert "console %s)" % want["console"] in log
        hz = cells(tree["/cpus"]["timebase-frequency"])[0]
        assert re.search(r"^up \d+\.\d{6} s, idle \d+\.\d{6} s = \d+\.\d%% of \d+ harts?, "
                         r"%d Hz time CSR, " % hz, con.command("uptime"), re.M)
        m = re.search(r"^  RAM\s+(0x[0-9a-f]+) - (0x[0-9a-f]+)", con.command("meminfo"), re.M)
        assert m and int(m.group(2), 16) - int(m.group(1), 16) == want["ram_size"]
        con.type("poweroff")
        con.send("\r")
        assert con.wait_exit() == 0, con.transcript()
    finally:
        con.close()


@pytest.mark.parametrize("defconfig", ["qemu_sifive_u_defconfig", "qemu_spike_defconfig"])
def test_boards_without_a_finisher_still_exit_nonzero_on_failure(defconfig):
    # No sifive,test device and no SBI power-off: the kernel leaves through semihosting. The
    # board's test kernel, asked for the crash on its command line (tests/kernel/crash.c).
    out = build(defconfig, [KTEST_FRAGMENT], tag="ktest")
    assert read_config(out).get("CONFIG_SEMIHOSTING_EXIT") == "y"
    result = boot(out, timeout=120, extra=("-append", "ktest.crash=illegal"))
    assert not result.timed_out, result.output
    assert "Kernel panic: illegal instruction" in result.output, result.output
    assert result.returncode == 1, result.output


class LossyConsole(QemuConsole):
    """Drops one typed byte, as spike's one-character HTIF console does now and then."""

    def __init__(self, out_dir, drop_index):
        super().__init__(out_dir)
        self.typed = 0
        self.drop_index = drop_index

    def send(self, data):
        if isinstance(data, str) and len(data) == 1 and " " <= data <= "~":
            self.typed += 1
            if self.typed == self.drop_index:
                self.fresh_line = False
                return
        super().send(data)


def test_a_lost_keystroke_is_typed_again(monkeypatch):
    import qemu_console
    monkeypatch.setattr(qemu_console, "ECHO_RETRY", 3)
    con = LossyConsole(build("qemu_spike_defconfig"), drop_index=3)
    try:
        con.wait_prompt()
        text = con.command("version")
        assert re.search(r"^Bora \S+ \(board qemu_spike,", text, re.M), con.transcript()
        assert "^C" in con.transcript(), "the half-typed line was not abandoned"
        assert "unknown command" not in con.transcript()
    finally:
        con.close()


# ---- semihosting power-off on any board --------------------------------------------------------

def semihosting_virt():
    frag = TEST_OUT / "semihosting-exit.config"
    frag.parent.mkdir(parents=True, exist_ok=True)
    frag.write_text("CONFIG_SEMIHOSTING_EXIT=y\n")
    return build("qemu_virt_defconfig", [KTEST_FRAGMENT, str(frag)], tag="semihosting")


def test_make_run_gives_qemu_semihosting_when_the_kernel_uses_it():
    out = semihosting_virt()
    proc = subprocess.run(["make", "O=%s" % out, "run"], cwd=ROOT, env=make_env(),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    text = proc.stdout.decode(errors="replace")
    assert "-semihosting-config enable=on,target=native" in " ".join(qemu_command(out))
    assert re.search(r"^ktest: \d+ passed, 0 failed", text, re.M), text
    assert "Unhandled trap" not in text and "Kernel panic" not in text, text
    assert proc.returncode == 0, text


def test_semihosting_exit_without_host_support_falls_back_to_sbi():
    out = semihosting_virt()
    cmd = qemu_command(out)
    i = cmd.index(SEMIHOSTING_FLAGS[0])
    del cmd[i:i + 2]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    text = proc.stdout.decode(errors="replace")
    assert re.search(r"^ktest: \d+ passed, 0 failed", text, re.M), text
    assert "Unhandled trap" not in text and "Kernel panic" not in text, text
    assert proc.returncode == 0, text
