/* linux/errno.h (asm-generic/errno-base.h values) and linux/err.h. The user programs' <errno.h>
 * includes it too: the numbers are the system call ABI. */
#ifndef _LINUX_ERRNO_H
#define _LINUX_ERRNO_H

#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define E2BIG		7
#define ENOEXEC		8
#define EBADF		9
#define ECHILD		10
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EINVAL		22
#define ENAMETOOLONG	36
#define ENOSYS		38
#define ERESTARTSYS	512

#ifndef __ASSEMBLER__
/* linux/err.h: an error code travels in a pointer as the last page of the address space. */
#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline long IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
#endif

#endif
