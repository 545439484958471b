#!/usr/bin/env bash
# Decode the backtrace in Bora's console output: scripts/symbolize.sh bora.elf < log
# Every "#N <hex>" line gets the function and file:line that addr2line finds in the ELF.
set -eu
elf=${1:?usage: scripts/symbolize.sh bora.elf < console.log}
addr2line=${ADDR2LINE:-riscv64-unknown-elf-addr2line}
command -v "$addr2line" >/dev/null || { echo "symbolize: $addr2line not found (Debian package binutils-riscv64-unknown-elf)" >&2; exit 1; }
while IFS= read -r line; do
	if [[ $line =~ ^[[:space:]]*#([0-9]+)[[:space:]]+([0-9a-fA-F]{16}) ]]; then
		where=$("$addr2line" -f -p -C -e "$elf" "0x${BASH_REMATCH[2]}")
		printf '%s  %s\n' "$line" "$where"
	else
		printf '%s\n' "$line"
	fi
done
