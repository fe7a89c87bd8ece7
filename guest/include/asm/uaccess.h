/*
 * asm-i386/uaccess.h: the kernel touching user memory. addr_limit (thread_info) says whose pointers a
 * task's system calls take: KERNEL_DS for kernel threads (init calling execve, scenarios calling
 * sys_wait4 with pointers into their own stacks), USER_DS once exec has made it a user process.
 *
 * Difference from 2.6.12: Linux checks only the range (access_ok) and lets a bad user pointer fault
 * inside __copy_user, where the exception table turns the fault into -EFAULT. This kernel has no
 * exception tables; instead access_ok() checks that the whole range lies in the process's regions
 * (writable ones for a write), and since every page of a region is always mapped (linux/mm.h), a
 * checked copy cannot fault - except a write to a page fork shared copy-on-write, which CR0.WP makes
 * fault like a user write (arch/i386/mm/init.c) and do_page_fault() resolves before the copy goes
 * on.
 */
#ifndef _ASM_UACCESS_H
#define _ASM_UACCESS_H

#include <linux/errno.h>
#include <asm/thread_info.h>
#include <abi.h>

#define KERNEL_DS	0xFFFFFFFFUL
#define USER_DS		TASK_SIZE

#define get_fs()	(current_thread_info()->addr_limit)
#define set_fs(x)	(current_thread_info()->addr_limit = (x))
#define segment_eq(a, b)	((a) == (b))

#define VERIFY_READ	0
#define VERIFY_WRITE	1

int access_ok(int type, const void __user *addr, unsigned long size);
/* Both return the number of bytes NOT copied: 0 on success, n when the range is bad. */
unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);
/* The string's length (without the NUL) if it fits in count bytes, count if it does not, or
 * -EFAULT. */
long strncpy_from_user(char *dst, const char __user *src, long count);

#define put_user(x, ptr) ({							\
	__typeof__(*(ptr)) __pu_val = (x);					\
	copy_to_user((ptr), &__pu_val, sizeof(*(ptr))) ? -EFAULT : 0;		\
})
/* (+ 0 drops the qualifiers: get_user(str, argv + n) with argv a char *const *.) */
#define get_user(x, ptr) ({							\
	__typeof__(*(ptr) + 0) __gu_val;					\
	int __gu_err = copy_from_user(&__gu_val, (ptr), sizeof(*(ptr))) ? -EFAULT : 0; \
	(x) = __gu_err ? 0 : __gu_val;						\
	__gu_err;								\
})

#endif
