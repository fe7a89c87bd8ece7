/* asm-i386/bitops.h: the non-atomic bit operations the scheduler needs (UP). */
#ifndef _ASM_BITOPS_H
#define _ASM_BITOPS_H

#include <linux/compiler.h>
#include <linux/types.h>

static inline void __set_bit(int nr, volatile unsigned long *addr)
{
	__asm__ __volatile__("btsl %1, %0" : "+m"(*(volatile long *)addr) : "Ir"(nr) : "memory");
}
static inline void __clear_bit(int nr, volatile unsigned long *addr)
{
	__asm__ __volatile__("btrl %1, %0" : "+m"(*(volatile long *)addr) : "Ir"(nr) : "memory");
}
static inline int test_bit(int nr, const volatile unsigned long *addr)
{
	return (addr[nr >> 5] >> (nr & 31)) & 1;
}
/* __ffs: index of the lowest set bit; word must not be 0. */
static inline unsigned long __ffs(unsigned long word)
{
	__asm__("bsfl %1, %0" : "=r"(word) : "rm"(word));
	return word;
}

/*
 * sched_find_first_bit: the lowest set bit of the 140-bit priority bitmap (5 words, bit 140 is the
 * sentinel sched_init() sets, so some bit is always found). Unrolled as 2.6.12 does it.
 */
static inline int sched_find_first_bit(const unsigned long *b)
{
	if (unlikely(b[0]))
		return __ffs(b[0]);
	if (unlikely(b[1]))
		return __ffs(b[1]) + 32;
	if (unlikely(b[2]))
		return __ffs(b[2]) + 64;
	if (b[3])
		return __ffs(b[3]) + 96;
	return __ffs(b[4]) + 128;
}

#endif
