/* linux/jiffies.h: the tick count (kernel/timer.c). jiffies is the low word of jiffies_64 (i386 is
 * little-endian; Linux aliases them in the linker script, forkscope with a union). */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <linux/types.h>

#define HZ 1000

union jiffies_union {
	volatile u64 j64;
	volatile unsigned long j32;
};
extern union jiffies_union jiffies_union;	/* symbol jiffies_64 in the ELF too (timer.c) */
#define jiffies		(jiffies_union.j32)
#define jiffies_64	(jiffies_union.j64)

u64 get_jiffies_64(void);

#define time_after(a, b)	((long)(b) - (long)(a) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)(a) - (long)(b) >= 0)

#define MAX_SCHEDULE_TIMEOUT	0x7fffffffL

#endif
