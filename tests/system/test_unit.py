# SPDX-License-Identifier: MIT
"""Host unit tests (cmocka, ASan+UBSan): one pytest case per test program."""

import subprocess

import pytest

from conftest import ROOT, make

UNIT_OUT = ROOT / "build" / "unit"


def unit_tests():
    proc = make("-s", "unit-list")
    return proc.stdout.split()


@pytest.fixture(scope="module", autouse=True)
def built_unit_tests():
    # Build them all in parallel first; a program that fails to build fails its own case below.
    make("-j2", "-k", "unit-build", check=False)


@pytest.mark.parametrize("name", unit_tests())
def test_unit(name):
    make("unit-build-" + name)
    proc = subprocess.run([str(UNIT_OUT / name)], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    assert "PASSED" in proc.stdout and "FAILED" not in proc.stdout, proc.stdout
