/* stdio.h: printf and friends (lib/printf.c): %d %i %u %x %X %p %s %c %%, the l modifier, a field
 * width with the - and 0 flags. printf formats into a buffer of 256 bytes and writes it to stdout
 * with one write(), so one printf is one line on the console, never interleaved with another
 * process's. */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);

#endif
