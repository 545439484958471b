// SPDX-License-Identifier: MIT
/* System calls on the console: write and read. */
#include <bora/console.h>
#include <bora/errno.h>
#include <bora/thread.h>
#include <bora/uaccess.h>
#include "internal.h"

#define CHUNK 128

long sys_write(long ubuf, long len, long a2, long a3, long a4, long a5)
{
	char buf[CHUNK];
	size_t done = 0;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!user_range_ok((uint64_t)ubuf, (uint64_t)len))
		return -EFAULT;
	while (done < (size_t)len) {
		size_t n = MIN((size_t)len - done, sizeof(buf));

		if (copy_from_user(buf, (const char *)ubuf + done, n))
			return done ? (long)done : -EFAULT;
		console_write(buf, n);
		done += n;
	}
	return (long)done;
}

long sys_read(long ubuf, long len, long a2, long a3, long a4, long a5)
{
	size_t done = 0;
	int c;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!user_range_ok((uint64_t)ubuf, (uint64_t)len))
		return -EFAULT;
	/* Checked before waiting, so a bad buffer fails at once rather than after input. */
	if (!aspace_range_mapped(&task_current()->as, (uint64_t)ubuf, (uint64_t)len,
	                         PROT_READ | PROT_WRITE))
		return -EFAULT;
	if (len == 0)
		return 0;
	/* Polled until the console has input interrupts: at least one byte, then what waits. */
	while ((c = console_getc()) < 0) {
		thread_yield();
		task_check_dying();
	}
	do {
		char ch = (char)c;

		if (copy_to_user((char *)ubuf + done, &ch, 1))
			return done ? (long)done : -EFAULT;
		done++;
	} while (done < (size_t)len && (c = console_getc()) >= 0);
	return (long)done;
}
