// SPDX-License-Identifier: MIT
/* printf over console_write (user/lib/console.c), formatted by the kernel's own lib/vsnprintf.c. */
#include <user.h>

int vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1; /* truncated, like printk */
	return (int)console_write(buf, len);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	long n = console_write(s, strlen(s));

	if (n >= 0)
		n = console_write("\n", 1);
	return (int)n;
}

const char *err_name(long err)
{
	static const struct {
		long value;
		const char *name;
	} names[] = {
	    {EPERM, "EPERM"},           {ENOENT, "ENOENT"},       {ESRCH, "ESRCH"},
	    {E2BIG, "E2BIG"},           {ENOEXEC, "ENOEXEC"},     {ECHILD, "ECHILD"},
	    {EAGAIN, "EAGAIN"},         {ENOMEM, "ENOMEM"},       {EFAULT, "EFAULT"},
	    {EEXIST, "EEXIST"},         {EINVAL, "EINVAL"},       {ENAMETOOLONG, "ENAMETOOLONG"},
	    {ENOSYS, "ENOSYS"},         {ENOSPC, "ENOSPC"},       {ETIMEDOUT, "ETIMEDOUT"},
	    {EBADHANDLE, "EBADHANDLE"}, {ECLOSED, "ECLOSED"},     {EWRONGTYPE, "EWRONGTYPE"},
	    {ENORIGHT, "ENORIGHT"},     {EPEERDIED, "EPEERDIED"}, {ENOREPLY, "ENOREPLY"},
	};

	if (err >= 0)
		return "OK";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].value == -err)
			return names[i].name;
	return "E?";
}
