/*
 * arch/i386/mm/pgtable.c: page directories of processes. A new one shares the kernel's part of
 * swapper_pg_dir (the same page tables) and has nothing in user space; pgd_free() expects the user
 * part to be gone already (free_pgtables()).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/bug.h>
#include <asm/pgtable.h>

pgd_t *pgd_alloc(struct mm_struct *mm)
{
	pgd_t *pgd = (pgd_t *)__get_free_pages(GFP_KERNEL, 0);

	(void)mm;
	if (!pgd)
		return NULL;
	clear_page(pgd);
	memcpy(pgd, swapper_pg_dir, kernel_pgd_ptrs * sizeof(pgd_t));
	return pgd;
}

void pgd_free(pgd_t *pgd)
{
	unsigned int i;

	for (i = kernel_pgd_ptrs; i < PTRS_PER_PGD; i++)
		BUG_ON(pgd_present(pgd[i]));
	free_page((unsigned long)pgd);
}
