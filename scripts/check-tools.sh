#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Make calls this before a target uses a tool. Each argument names one thing the target needs:
#   riscv64-unknown-elf-gcc, gdb-multiarch    a command on PATH
#   /usr/lib/.../fw_dynamic.bin               a file
#   py:kconfiglib                             a module of $PYTHON (default /usr/bin/python3)
#   h:cmocka.h                                a header under /usr/include
#   deb:libclang-rt-14-dev                    a Debian package with no single file to test
# When all are present it prints nothing. When some are missing:
#   - as root, unless BORA_NO_INSTALL=1: says so in one line and installs them through
#     scripts/install-deps.sh, then checks again;
#   - otherwise: stops with the one `sudo apt-get install ...` line that would fix it.
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}

# The Debian package that provides each need.
package_of() {
	case "$1" in
	py:kconfiglib) echo python3-kconfiglib ;;
	py:pytest) echo python3-pytest ;;
	py:xdist) echo python3-pytest-xdist ;;
	py:elftools) echo python3-pyelftools ;;
	py:tkinter) echo python3-tk ;;
	py:matplotlib) echo python3-matplotlib ;;
	h:cmocka.h) echo libcmocka-dev ;;
	h:jemalloc/jemalloc.h) echo libjemalloc-dev ;;
	h:mimalloc.h) echo libmimalloc-dev ;;
	deb:*) echo "${1#deb:}" ;;
	gcc | cc) echo gcc ;;
	*-gcc) echo gcc-riscv64-unknown-elf ;;
	*-objcopy | *-objdump | *-size | *-nm | *-addr2line | *-ld) echo binutils-riscv64-unknown-elf ;;
	qemu-system-*) echo qemu-system-misc ;;
	*opensbi*) echo opensbi ;;
	gdb-multiarch) echo gdb-multiarch ;;
	dtc) echo device-tree-compiler ;;
	clang | clang-format) echo clang ;;
	llvm-*) echo llvm ;;
	valgrind | callgrind_annotate) echo valgrind ;;
	python3 | /usr/bin/python3*) echo python3 ;;
	make) echo make ;;
	*) echo "" ;;
	esac
}

present() {
	case "$1" in
	py:*) "$PYTHON" -c "import ${1#py:}" >/dev/null 2>&1 ;;
	h:*) [ -e "/usr/include/${1#h:}" ] ;;
	deb:*) package_installed "${1#deb:}" ;;
	*) [ -e "$1" ] || command -v "$1" >/dev/null 2>&1 ;;
	esac
}

package_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# How a need is shown in a message.
display() {
	case "$1" in
	py:*) echo "Python module ${1#py:}" ;;
	h:*) echo "/usr/include/${1#h:}" ;;
	deb:*) echo "package ${1#deb:}" ;;
	*) echo "$1" ;;
	esac
}

# The missing needs as one comma-separated list.
names_of() {
	local out="" need
	for need in "$@"; do
		out+="$(display "$need"), "
	done
	echo "${out%, }"
}

missing_needs() {
	local need
	for need in "$@"; do
		present "$need" || echo "$need"
	done
}

mapfile -t missing < <(missing_needs "$@")
[ ${#missing[@]} -eq 0 ] && exit 0

packages=()
for need in "${missing[@]}"; do
	pkg=$(package_of "$need")
	if [ -n "$pkg" ] && [[ " ${packages[*]} " != *" $pkg "* ]]; then
		packages+=("$pkg")
	fi
done
to_install=()
for pkg in "${packages[@]}"; do
	package_installed "$pkg" || to_install+=("$pkg")
done
names=$(names_of "${missing[@]}")

if [ ${#to_install[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && [ "${BORA_NO_INSTALL:-0}" != 1 ]; then
	echo "check-tools: $names missing: installing ${to_install[*]} with scripts/install-deps.sh" \
		"(BORA_NO_INSTALL=1 stops this)"
	# Parallel make jobs may all find the same tool missing: one installs, the others wait.
	if ! flock /tmp/bora-install-deps.lock scripts/install-deps.sh --quiet "${to_install[@]}"; then
		exit 1
	fi
	mapfile -t missing < <(missing_needs "${missing[@]}")
	[ ${#missing[@]} -eq 0 ] && exit 0
	names=$(names_of "${missing[@]}")
	to_install=()
fi

if [ ${#to_install[@]} -gt 0 ]; then
	echo "error: $names not found; to install: sudo apt-get install ${to_install[*]}" >&2
elif [ ${#packages[@]} -gt 0 ]; then
	# The package is there but the tool is not where make looks: an override or PATH.
	echo "error: $names not found, though the Debian package providing it (${packages[*]})" \
		"is installed: check CROSS_COMPILE=, QEMU=, OPENSBI=, PYTHON= and PATH" >&2
else
	echo "error: $names not found (no Debian package known for it)" >&2
fi
exit 1
