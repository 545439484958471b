# SPDX-License-Identifier: MIT
"""Developer habits: make size, make compile_commands.json, make debug + make gdb, tool hints."""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time

import pytest
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from conftest import KTEST_FRAGMENT, PYTHON, ROOT, TEST_OUT, build, make, make_env

KINDS = ("text", "rodata", "data", "bss")


def elf_totals(elf_path):
    totals = dict.fromkeys(KINDS, 0)
    with open(elf_path, "rb") as f:
        for s in ELFFile(f).iter_sections():
            if not s["sh_flags"] & SH_FLAGS.SHF_ALLOC:
                continue
            if s["sh_flags"] & SH_FLAGS.SHF_EXECINSTR:
                kind = "text"
            elif s["sh_type"] == "SHT_NOBITS":
                kind = "bss"
            elif s["sh_flags"] & SH_FLAGS.SHF_WRITE:
                kind = "data"
            else:
                kind = "rodata"
            totals[kind] += s["sh_size"]
    return totals


def size_rows(text):
    rows = {}
    for m in re.finditer(r"^  (\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", text, re.M):
        rows[m.group(1)] = [int(x) for x in m.groups()[1:]]
    return rows


@pytest.mark.parametrize("fragments,tag", [((), None), ((KTEST_FRAGMENT,), "ktest")])
def test_size_charges_every_byte_to_a_directory(fragments, tag):
    out = build("qemu_virt_defconfig", list(fragments), tag=tag)
    text = make("O=%s" % out, "size").stdout
    rows = size_rows(text)
    want = elf_totals(out / "bora.elf")
    total = rows.pop("total")
    assert total[:4] == [want[k] for k in KINDS], text
    assert total[4] == sum(want.values())
    for col in range(5):
        assert sum(r[col] for r in rows.values()) == total[col], text
    for d in ("arch", "kernel", "mm", "lib", "gen", "(reserved)"):
        assert d in rows, text
    assert rows["(reserved)"][3] >= 0x20000 + 0x4000, "heap and boot stack are reserved bss"
    assert rows["mm"][0] > 0 and rows["kernel"][0] > 0
    if tag == "ktest":
        assert rows["tests"][0] > 0, "ktest suites are charged to tests/"
    else:
        assert "tests" not in rows
    rom = re.search(r"ROM \(text \+ rodata \+ data\): (\d+) bytes", text)
    assert int(rom.group(1)) == want["text"] + want["rodata"] + want["data"]


def test_size_files_lists_objects_under_their_directory():
    out = build("qemu_virt_defconfig")
    text = make("O=%s" % out, "size", "SIZE_FLAGS=--files").stdout
    objs = {m.group(1): int(m.group(2)) for m in
            re.finditer(r"^    (\S+)\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)$", text, re.M)}
    for o in ("kernel/main", "subsys/shell/shell", "mm/kmalloc", "arch/riscv/head", "gen/boot_pt"):
        assert o in objs, text
    assert objs["gen/boot_pt"] == 4096
    rows = size_rows(text)
    for d in ("kernel", "mm", "lib", "arch"):
        assert sum(v for o, v in objs.items() if o.startswith(d + "/")) == rows[d][4]


def test_compile_commands_cover_the_build_and_compile(tmp_path):
    out = build("qemu_virt_defconfig")
    make("O=%s" % out, "compile_commands.json")
    db = json.loads((out / "compile_commands.json").read_text())
    files = {os.path.relpath(e["file"], ROOT): e for e in db}
    objects = {str(p.relative_to(out / "build" / "kernel"))[:-2]
               for p in (out / "build" / "kernel").rglob("*.o")}
    for obj in objects:
        if obj.startswith("gen/"):
            continue
        assert any(f.rsplit(".", 1)[0] == obj for f in files), obj
    assert "tests/unit/test_shell_parse.c" in files
    assert all(e["directory"] == str(ROOT) for e in db)
    # Each kind of entry must really compile with its recorded command.
    for src in ("kernel/main.c", "arch/riscv/head.S", "tests/unit/test_shell_parse.c"):
        args = shlex.split(files[src]["command"])
        args[args.index("-o") + 1] = str(tmp_path / "probe.o")
        args = [a for a in args if a not in ("-MMD", "-MP")]
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, (src, proc.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_debug_waits_for_gdb_and_gdbinit_stops_at_kernel_main():
    out = build("qemu_virt_defconfig")
    port = free_port()
    qemu = subprocess.Popen(["make", "PYTHON=" + PYTHON, "O=%s" % out, "debug",
                             "GDB_PORT=%d" % port], cwd=ROOT, env=make_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until QEMU's gdbstub listens (hang guard, not a timing check)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert qemu.poll() is None, qemu.stdout.read().decode()
                assert time.monotonic() < deadline, "gdbstub never listened"
                time.sleep(0.1)
        gdb = subprocess.run(["gdb-multiarch", "-q", "-batch", "-x", "scripts/gdbinit",
                              "-ex", "info registers pc", "-ex", "kill", str(out / "bora.elf")],
                             cwd=ROOT, env=dict(os.environ, GDB_PORT=str(port)),
                             capture_output=True, text=True, timeout=120)
        text = gdb.stdout + gdb.stderr
        assert re.search(r"Breakpoint 1, kernel_main \(hartid=0, dtb_pa=\d+\) at kernel/main\.c",
                         text), text
        assert re.search(r"^pc\s+0xffffffc0[0-9a-f]{8}\s+0xffffffc0[0-9a-f]{8} <kernel_main>",
                         text, re.M), text
    finally:
        if qemu.poll() is None:
            os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()
        qemu.stdout.close()


def test_help_lists_the_developer_targets():
    text = make("help").stdout
    for target in ("size", "debug", "gdb", "compile_commands.json", "SIZE_FLAGS"):
        assert target in text, target


def tool_hint(proc, tool, package):
    assert proc.returncode != 0
    # The package is installed here, so the message points at the override instead of apt-get
    # (test_make.py checks the apt-get line with the package reported missing).
    return [l for l in proc.stdout.splitlines() if tool in l and "not found" in l] == [
        "error: %s not found, though the Debian package providing it (%s) is installed: check "
        "CROSS_COMPILE=, QEMU=, OPENSBI=, PYTHON= and PATH" % (tool, package)]


def test_missing_compiler_names_its_debian_package():
    out = TEST_OUT / "dx-missing-compiler"
    shutil.rmtree(out, ignore_errors=True)
    make("O=%s" % out, "qemu_virt_defconfig")
    proc = make("O=%s" % out, "CROSS_COMPILE=no-such-", "all", check=False)
    assert tool_hint(proc, "no-such-gcc, no-such-objcopy",
                     "gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf"), proc.stdout
    shutil.rmtree(out, ignore_errors=True)


def test_missing_qemu_names_its_debian_package():
    out = build("qemu_virt_defconfig")
    proc = make("O=%s" % out, "QEMU=qemu-system-nosuch", "run", check=False)
    assert tool_hint(proc, "qemu-system-nosuch", "qemu-system-misc"), proc.stdout
