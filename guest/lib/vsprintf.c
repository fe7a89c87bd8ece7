/* lib/vsprintf.c: a minimal vsnprintf. Conversions: d i u x X c s p %, flags '-' and '0', a width, and
 * the 'l'/'ll' length modifiers. Output is truncated to size - 1 and always terminated; the return
 * value is what was written (not what would have been). */
#include <linux/kernel.h>
#include <linux/string.h>

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
}

static void pad(struct out *o, int n, char c)
{
	while (n-- > 0)
		put(o, c);
}

/* Emits one number: `neg` prints a '-', width and zero-padding apply to the whole field. */
static void number(struct out *o, unsigned long long v, unsigned base, int neg, int width, int left,
		   int zero, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	width -= n + neg;
	if (!left && !zero)
		pad(o, width, ' ');
	if (neg)
		put(o, '-');
	if (!left && zero)
		pad(o, width, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, width, ' ');
}

static void string(struct out *o, const char *s, int width, int left)
{
	int n;

	if (!s)
		s = "(null)";
	n = strlen(s);
	if (!left)
		pad(o, width - n, ' ');
	while (*s)
		put(o, *s++);
	if (left)
		pad(o, width - n, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int left = 0, zero = 0, width = 0, lng = 0;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = 1) : (zero = 1);
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng > 1 ? va_arg(args, long long) : lng ? va_arg(args, long) : va_arg(args, int);
			number(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, 10, s < 0,
			       width, left, zero, 0);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng > 1 ? va_arg(args, unsigned long long)
			    : lng ? va_arg(args, unsigned long) : va_arg(args, unsigned int);
			number(&o, u, *fmt == 'u' ? 10 : 16, 0, width, left, zero, *fmt == 'X');
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			number(&o, (unsigned long)va_arg(args, void *), 16, 0, 8, 0, 1, 0);
			break;
		case 'c':
			put(&o, (char)va_arg(args, int));
			break;
		case 's':
			string(&o, va_arg(args, const char *), width, left);
			break;
		case '%':
			put(&o, '%');
			break;
		default:	/* unknown conversion: print it as is */
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
		}
	}
	if (o.size)
		o.buf[o.len] = 0;
	return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, 1024, fmt, args);
	va_end(args);
	return n;
}
