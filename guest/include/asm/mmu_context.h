/* asm-i386/mmu_context.h: switching address spaces. One CPU, no LDTs: switching is loading CR3, and
 * only when the address space really changes (a kernel thread keeps the previous one, lazily). */
#ifndef _ASM_MMU_CONTEXT_H
#define _ASM_MMU_CONTEXT_H

#include <linux/sched.h>
#include <asm/processor.h>

/* A kernel thread is about to run on mm without owning it: nothing to load (its CR3 stays). */
static inline void enter_lazy_tlb(struct mm_struct *mm, struct task_struct *tsk)
{
	(void)mm;
	(void)tsk;
}

/* switch_mm: make next the loaded address space. The CR3 load also flushes the TLB. */
static inline void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk)
{
	(void)tsk;
	if (likely(prev != next))
		load_cr3(next->pgd);
}

#define activate_mm(prev, next)	switch_mm((prev), (next), NULL)

#endif
