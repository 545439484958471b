#!/usr/bin/env bash
# Install everything Bora's build and tests need from Debian's archive.
# Idempotent: packages already present are skipped, so a second run is quick.
set -euo pipefail

packages=(
	make
	gcc
	gcc-riscv64-unknown-elf
	binutils-riscv64-unknown-elf
	qemu-system-misc
	opensbi
	device-tree-compiler
	python3
	python3-kconfiglib
	python3-pytest
	python3-pyelftools
	libcmocka-dev
	gdb-multiarch
	clang
	llvm
	libclang-rt-14-dev
	python3-pytest-xdist
	python3-matplotlib
	libjemalloc-dev
	libmimalloc-dev
	valgrind
	binutils
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
