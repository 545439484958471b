/* SPDX-License-Identifier: MIT */
/*
 * U-mode entry. The kernel starts the main thread here with sp 16-byte
 * aligned just below the argument strings, a0 = argc and a1 = argv (a
 * NULL-terminated array on the stack) and a2 = the console handle the spawner
 * named (-1: none, use the kernel's console; user/lib/console.c). main's return
 * value is the exit status.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	mv	fp, zero
	mv	ra, zero
	la	t0, user_console
	sd	a2, 0(t0)
	call	main
	call	sys_exit
1:	j	1b
