/* asm-i386/tlbflush.h: dropping stale translations. The 486 has INVLPG but no global pages, so a CR3
 * reload flushes everything. (forkscope drops its paging aliases at exactly these instructions.) */
#ifndef _ASM_TLBFLUSH_H
#define _ASM_TLBFLUSH_H

#define __flush_tlb() do {							\
	unsigned long __tmp;							\
	__asm__ __volatile__("movl %%cr3, %0\n\tmovl %0, %%cr3"		\
			     : "=r"(__tmp) : : "memory");			\
} while (0)

static inline void __flush_tlb_one(unsigned long addr)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(addr) : "memory");
}

#define flush_tlb_all()	__flush_tlb()

#endif
