/*
 * asm-i386/pgtable.h + pgtable-2level.h: the two-level i386 page tables (no PAE; no PSE either, the 486
 * has none, so every mapping is a 4 KiB page). A pgd entry points at a page table of 1024 ptes; the pmd
 * level Linux folds into the pgd is left out altogether.
 *
 * forkscope's address space (DESIGN.md "Paging"): PAGE_OFFSET is 0, so the kernel's own mapping is the
 * identity over all RAM, supervisor only, in the first kernel_pgd_ptrs entries of every page directory
 * (the page tables themselves are shared, built once by paging_init). User space is what lies above
 * that, from kernel_map_end up to TASK_SIZE; Linux's user binaries at 0x08048000 land there as long as
 * RAM ends below 128 MiB.
 */
#ifndef _ASM_PGTABLE_H
#define _ASM_PGTABLE_H

#include <asm/page.h>
#include <abi.h>

#define PGDIR_SHIFT	22
#define PGDIR_SIZE	(1UL << PGDIR_SHIFT)
#define PGDIR_MASK	(~(PGDIR_SIZE - 1))
#define PTRS_PER_PGD	1024
#define PTRS_PER_PTE	1024

/* Entry bits (Intel SDM vol. 3A, 4.3): the same in a pgd entry and a pte. */
#define _PAGE_PRESENT	0x001
#define _PAGE_RW	0x002
#define _PAGE_USER	0x004
#define _PAGE_PWT	0x008
#define _PAGE_PCD	0x010
#define _PAGE_ACCESSED	0x020
#define _PAGE_DIRTY	0x040

/* A page table of user mappings, a page table of kernel mappings (2.6.12's names and values). */
#define _PAGE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define _KERNPG_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
/* The kernel's identity mapping: present, writable, supervisor only (no _PAGE_USER). */
#define __PAGE_KERNEL	(_PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED)
/* User pages: PAGE_SHARED is writable, PAGE_READONLY is not, PAGE_COPY is what fork leaves a page of
 * a writable private region at, in parent and child, until do_wp_page() breaks the sharing (the same
 * bits as PAGE_READONLY, as in 2.6.12). exec maps a writable region's fresh pages PAGE_SHARED at
 * once: there is no demand paging, so no first-write fault makes them writable the way 2.6.12's
 * do_anonymous_page does. */
#define PAGE_SHARED	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_READONLY	(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_COPY	PAGE_READONLY

#ifndef __ASSEMBLER__

typedef struct { unsigned long pte_low; } pte_t;
typedef struct { unsigned long pgd; } pgd_t;

#define pte_val(x)	((x).pte_low)
#define pgd_val(x)	((x).pgd)
#define __pte(x)	((pte_t){ (x) })
#define __pgd(x)	((pgd_t){ (x) })

#define pgd_index(addr)		(((addr) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))
#define pgd_offset(mm, addr)	((mm)->pgd + pgd_index(addr))
#define pte_index(addr)		(((addr) >> PAGE_SHIFT) & (PTRS_PER_PTE - 1))
#define pgd_present(x)		(pgd_val(x) & _PAGE_PRESENT)
#define pgd_page_kernel(x)	((pte_t *)__va(pgd_val(x) & PAGE_MASK))
#define pte_offset_kernel(pgd, addr)	(pgd_page_kernel(*(pgd)) + pte_index(addr))
#define pte_present(x)		(pte_val(x) & _PAGE_PRESENT)
#define pte_pfn(x)		(pte_val(x) >> PAGE_SHIFT)
#define pte_prot(x)		(pte_val(x) & ~PAGE_MASK)
#define pfn_pte(pfn, prot)	__pte(((unsigned long)(pfn) << PAGE_SHIFT) | (prot))
#define set_pte(ptep, pte)	(*(ptep) = (pte))
#define set_pgd(pgdp, pgd)	(*(pgdp) = (pgd))
#define pte_clear(ptep)		set_pte(ptep, __pte(0))
#define pte_write(x)		(pte_val(x) & _PAGE_RW)
#define pte_wrprotect(x)	__pte(pte_val(x) & ~_PAGE_RW)
#define pte_mkwrite(x)		__pte(pte_val(x) | _PAGE_RW)
#define pte_mkdirty(x)		__pte(pte_val(x) | _PAGE_DIRTY)
#define pte_mkyoung(x)		__pte(pte_val(x) | _PAGE_ACCESSED)
/* ptep_set_wrprotect: fork's write-protection of the parent's pte (the TLB is the caller's: dup_mmap
 * flushes once at the end). */
#define ptep_set_wrprotect(ptep)	set_pte(ptep, pte_wrprotect(*(ptep)))
#define pgd_clear(pgdp)		set_pgd(pgdp, __pgd(0))

/* arch/i386/mm/init.c */
extern pgd_t swapper_pg_dir[PTRS_PER_PGD];	/* head.S: the kernel's own page directory */
extern unsigned int kernel_pgd_ptrs;		/* pgd entries of the kernel's identity map */
extern unsigned long kernel_map_end;		/* kernel_pgd_ptrs * PGDIR_SIZE: user space starts here */
void paging_init(void);

#endif

#endif
