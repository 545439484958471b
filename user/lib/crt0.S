/* SPDX-License-Identifier: MIT */
/*
 * U-mode entry. The kernel starts the main thread here with sp 16-byte
 * aligned just below the argument strings, a0 = argc and a1 = argv (a
 * NULL-terminated array on the stack). main's return value is the exit status.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	mv	fp, zero
	mv	ra, zero
	call	main
	call	sys_exit
1:	j	1b
