/* errno.h: the libc's errno, set by the system call wrappers when the kernel returns -errno. The
 * numbers are the kernel's (linux/errno.h: the system call ABI). */
#ifndef _ERRNO_H
#define _ERRNO_H

#include <linux/errno.h>

extern int errno;

#endif
