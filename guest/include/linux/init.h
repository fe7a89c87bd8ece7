/* linux/init.h: __init is a no-op here (nothing is freed after boot). */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H
#include <linux/compiler.h>

#define COMMAND_LINE_SIZE 256			/* asm-i386/setup.h */
extern char saved_command_line[COMMAND_LINE_SIZE];	/* arch/i386/kernel/setup.c */
#endif
