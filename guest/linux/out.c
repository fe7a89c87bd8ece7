/* out.c: text to stdout (fd 1, the console the kernel opened for init) without a libc. */
#include "sys.h"

void put(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	sys_write(1, s, n);
}

void put_num(long n)
{
	char buf[16];
	int i = sizeof buf;
	unsigned long u = n < 0 ? -(unsigned long)n : (unsigned long)n;
	buf[--i] = 0;
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (n < 0)
		buf[--i] = '-';
	put(buf + i);
}
