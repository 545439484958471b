#!/usr/bin/env bash
# Check that each named tool (command or file) exists; name its Debian package if not.
set -u
status=0
for tool in "$@"; do
	case "$tool" in
	*gcc) pkg=gcc-riscv64-unknown-elf ;;
	qemu-system-*) pkg=qemu-system-misc ;;
	*opensbi*) pkg=opensbi ;;
	gdb-multiarch) pkg=gdb-multiarch ;;
	dtc) pkg=device-tree-compiler ;;
	*) pkg="" ;;
	esac
	if [ -e "$tool" ] || command -v "$tool" >/dev/null 2>&1; then
		continue
	fi
	echo "error: $tool not found: install Debian package '${pkg:-?}' (or run scripts/install-deps.sh as root)" >&2
	status=1
done
exit $status
