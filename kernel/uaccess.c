// SPDX-License-Identifier: MIT
/* Checked copies between the kernel and user memory; see include/bora/uaccess.h. */
#include <bora/errno.h>
#include <bora/uaccess.h>

extern const struct extable_entry extable_start[], extable_end[];

uintptr_t extable_fixup(uintptr_t pc)
{
	for (const struct extable_entry *e = extable_start; e < extable_end; e++)
		if (e->insn == pc)
			return e->fixup;
	return 0;
}

int copy_from_user(void *dst, const void *user_src, size_t len)
{
	if (!user_range_ok((uintptr_t)user_src, len))
		return -EFAULT;
	return uaccess_copy(dst, user_src, len) ? -EFAULT : 0;
}

int copy_to_user(void *user_dst, const void *src, size_t len)
{
	if (!user_range_ok((uintptr_t)user_dst, len))
		return -EFAULT;
	return uaccess_copy(user_dst, src, len) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char *user_src, size_t max)
{
	size_t n, lim;

	if (max == 0)
		return -ENAMETOOLONG;
	/* Only the part of the user half the string may occupy has to be valid. */
	if ((uintptr_t)user_src < USER_VA_START || (uintptr_t)user_src >= USER_VA_END)
		return -EFAULT;
	lim = MIN(max, USER_VA_END - (uintptr_t)user_src);
	n = uaccess_strncpy(dst, user_src, lim);
	if (n == (size_t)-1)
		return -EFAULT;
	if (n < lim)
		return (long)n;
	dst[lim - 1] = '\0';
	/* No NUL: too long, or the string would run past the user half. */
	return lim == max ? -ENAMETOOLONG : -EFAULT;
}
