/* linux/compiler.h: the few compiler annotations the guest uses (2.6.12 include/linux/compiler*.h). */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define barrier()	__asm__ __volatile__("" : : : "memory")
#define noinline	__attribute__((noinline))
#define __noreturn	__attribute__((noreturn))
#define __used		__attribute__((used))
#define __aligned(x)	__attribute__((aligned(x)))
#define __section(s)	__attribute__((section(s)))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __user
#define __init
#define __sched

#endif
