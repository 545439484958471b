#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages Bora's build and tests need.
#   scripts/install-deps.sh              every missing package of the list below
#   scripts/install-deps.sh PKG...       just those (make's tool check passes what a target lacks)
#   --quiet                              print only the one line saying what is installed
# Idempotent: packages already present are skipped, so a second run installs nothing.
# apt-get's own output goes to a log, shown only when the installation fails.
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
	python3-tk
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

quiet=0
if [ "${1:-}" = --quiet ]; then
	quiet=1
	shift
fi
[ $# -gt 0 ] && packages=("$@")

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	[ $quiet = 1 ] || echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages; to install: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi

log=$(mktemp /tmp/bora-install-deps.XXXXXX.log)
[ $quiet = 1 ] || echo "install-deps: installing ${missing[*]} (apt-get log: $log)"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
	>"$log" 2>&1; then
	echo "install-deps: apt-get failed installing ${missing[*]}; the end of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
rm -f "$log"
