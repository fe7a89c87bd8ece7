/* asm-i386/bug.h: BUG()/BUG_ON(). Linux executes ud2 and prints "kernel BUG at file:line!" from the
 * trap handler; forkscope prints the same line directly and ends the run with FS_EXIT_BUG (abi.h), so a
 * broken invariant is a distinct, documented exit status rather than an oops. */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>

void __bug(const char *file, int line, const char *cond) __noreturn;

#define BUG()		__bug(__FILE__, __LINE__, NULL)
#define BUG_ON(c)	do { if (unlikely(c)) __bug(__FILE__, __LINE__, #c); } while (0)
#define WARN_ON(c)	({ int __w = !!(c); if (unlikely(__w)) \
				printk("Badness in %s at %s:%d\n", __func__, __FILE__, __LINE__); __w; })

#endif
