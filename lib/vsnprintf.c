// SPDX-License-Identifier: MIT
/* printf-style formatting into a bounded buffer (C11 7.21.6.1 semantics, subset). */
#include <bora/printk.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters the full output needs */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16, F_UPPER = 32, F_PTR = 64 };

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base, int flags,
                       int width, int prec)
{
	const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, zeros;
	char sign = 0;
	const char *prefix = "";
	bool nonzero = v != 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (prec == 0 && n == 1 && tmp[0] == '0')
		n = 0; /* "%.0d" of zero prints no digits (7.21.6.1p8) */
	if (neg)
		sign = '-';
	else if (flags & F_PLUS)
		sign = '+';
	else if (flags & F_SPACE)
		sign = ' ';
	/* '#' adds 0x only to a non-zero value, and 0 only when no leading zero exists
	 * (7.21.6.1p6). */
	if (((flags & F_ALT) && base == 16 && nonzero) || (flags & F_PTR))
		prefix = (flags & F_UPPER) ? "0X" : "0x";
	if ((flags & F_ALT) && base == 8 && nonzero && prec <= n)
		prefix = "0";
	if ((flags & F_ALT) && base == 8 && n == 0)
		prefix = "0";

	zeros = prec > n ? prec - n : 0;
	len = n + zeros + (sign ? 1 : 0) + (int)__builtin_strlen(prefix);
	if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0 && width > len) {
		zeros += width - len;
		len = width;
	}
	if (!(flags & F_LEFT))
		pad(o, ' ', width - len);
	if (sign)
		put(o, sign);
	while (*prefix)
		put(o, *prefix++);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

static void put_string(struct out *o, const char *s, int flags, int width, int prec)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (prec < 0 || n < prec))
		n++;
	if (!(flags & F_LEFT))
		pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (flags & F_LEFT)
		pad(o, ' ', width - n);
}

static int parse_flags(const char **fmt)
{
	int flags = 0;

	for (;; (*fmt)++) {
		switch (**fmt) {
		case '-':
			flags |= F_LEFT;
			break;
		case '0':
			flags |= F_ZERO;
			break;
		case '+':
			flags |= F_PLUS;
			break;
		case ' ':
			flags |= F_SPACE;
			break;
		case '#':
			flags |= F_ALT;
			break;
		default:
			return flags;
		}
	}
}

static int parse_int(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (v < 100000)
			v = v * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return v;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {.buf = buf, .size = size, .len = 0};

	for (; *fmt; fmt++) {
		int flags, width = 0, prec = -1, lng = 0;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		flags = parse_flags(&fmt);
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			width = parse_int(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				prec = parse_int(&fmt);
			}
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long; z and t are long-sized on LP64. */
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = lng < 0 ? 1 : lng + 1;
			else if (*fmt == 'h')
				lng--;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 1;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2   ? va_arg(ap, long long)
			    : lng == 1 ? va_arg(ap, long)
			               : va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng <= -2)
				s = (signed char)s;
			u = s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s;
			put_number(&o, u, s < 0, 10, flags, width, prec);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng >= 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
			               : va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			if (*fmt == 'X')
				flags |= F_UPPER;
			put_number(&o, u, false,
			           *fmt == 'u'   ? 10
			           : *fmt == 'o' ? 8
			                         : 16,
			           flags, width, prec);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			put_number(&o, u, false, 16, flags | F_PTR, width, prec);
			break;
		case 'c':
			pad(&o, ' ', (flags & F_LEFT) ? 0 : width - 1);
			put(&o, (char)va_arg(ap, int));
			pad(&o, ' ', (flags & F_LEFT) ? width - 1 : 0);
			break;
		case 's':
			put_string(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the terminator */
			break;
		default:
			/* Unknown conversion: show it rather than guess at arguments. */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
