/* asm-i386/page.h. PAGE_OFFSET is 0 in forkscope: the kernel runs identity-mapped (DESIGN.md), so
 * __pa/__va are the identity, unlike Linux's 3G/1G split. */
#ifndef _ASM_PAGE_H
#define _ASM_PAGE_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_OFFSET	0UL
#define __pa(x)		((unsigned long)(x) - PAGE_OFFSET)
#define __va(x)		((void *)((unsigned long)(x) + PAGE_OFFSET))
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & PAGE_MASK)

#ifndef __ASSEMBLER__
/* clear_page/copy_page: one string instruction each (2.6.12's non-MMX versions are rep stosl/movsl
 * too). The kernel runs with DF = 0 (SAVE_ALL's cld). */
static inline void clear_page(void *page)
{
	int d0, d1;
	__asm__ __volatile__("rep stosl"
			     : "=&c"(d0), "=&D"(d1)
			     : "a"(0), "0"(PAGE_SIZE / 4), "1"(page)
			     : "memory");
}

static inline void copy_page(void *to, const void *from)
{
	int d0, d1, d2;
	__asm__ __volatile__("rep movsl"
			     : "=&c"(d0), "=&D"(d1), "=&S"(d2)
			     : "0"(PAGE_SIZE / 4), "1"(to), "2"(from)
			     : "memory");
}
#endif

#endif
