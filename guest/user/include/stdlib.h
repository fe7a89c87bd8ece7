/* stdlib.h: exit (output is unbuffered: printf writes at once, so exit has nothing to flush). */
#ifndef _STDLIB_H
#define _STDLIB_H

#include <stddef.h>

void exit(int status) __attribute__((noreturn));

#endif
