/*
 * arch/i386/mm/init.c: paging_init() - the kernel's page tables, then paging on. 2.6.12 builds them
 * in two steps (head.S maps the first 8 MiB so it can jump to PAGE_OFFSET, then pagetable_init()
 * -> kernel_physical_mapping_init() maps all low memory at PAGE_OFFSET); with PAGE_OFFSET 0 one step
 * does: the identity map of every page frame, supervisor only, in swapper_pg_dir.
 *
 * The first kernel_pgd_ptrs entries of swapper_pg_dir are the kernel's; every process's page
 * directory copies them (pgd_alloc), sharing the page tables, which never change after boot.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

unsigned int kernel_pgd_ptrs;
unsigned long kernel_map_end;

/* one_page_table_init: a zeroed page table for the pgd entry, from the boot-time allocator. */
static pte_t *one_page_table_init(pgd_t *pgd)
{
	pte_t *page_table = alloc_bootmem_low_pages(PAGE_SIZE);

	set_pgd(pgd, __pgd(__pa(page_table) | _KERNPG_TABLE));
	return page_table;
}

/* kernel_physical_mapping_init: linear = physical for every frame below max_pfn. */
static void kernel_physical_mapping_init(pgd_t *pgd_base)
{
	unsigned long pfn = 0;
	unsigned int pgd_idx;

	for (pgd_idx = 0; pgd_idx < PTRS_PER_PGD && pfn < max_pfn; pgd_idx++) {
		pte_t *pte = one_page_table_init(pgd_base + pgd_idx);
		unsigned int pte_ofs;

		for (pte_ofs = 0; pte_ofs < PTRS_PER_PTE && pfn < max_pfn; pte_ofs++, pfn++)
			set_pte(pte + pte_ofs, pfn_pte(pfn, __PAGE_KERNEL));
	}
	kernel_pgd_ptrs = pgd_idx;
	kernel_map_end = (unsigned long)pgd_idx << PGDIR_SHIFT;
}

static void pagetable_init(void)
{
	kernel_physical_mapping_init(swapper_pg_dir);
}

/*
 * paging_init: build the identity map and turn paging on. Every address the kernel uses stays what
 * it was, so execution simply continues; the jmp after the CR0 write is the 386/486 rule for mode
 * changes (Intel SDM vol. 3A, 9.9.1). Called once by setup_arch(), after mem_init().
 *
 * CR0.WP goes on with paging (2.6.12's head.S sets it on every 486 and later): without it a
 * supervisor-mode write ignores a read-only pte (Intel SDM vol. 3A, 2.5 "CR0.WP" and 4.6 "Access
 * rights"), so the kernel's copy_to_user/put_user would write straight into a page fork shared
 * copy-on-write - e.g. a child's waitpid() status landing in its parent's stack too. With WP set that
 * write faults (error code 3) and do_page_fault() breaks the sharing as for a user write. (2.6 kept
 * the other way, breaking COW in the usercopy routines first, only for the 386, which has no WP.)
 */
void paging_init(void)
{
	pagetable_init();
	load_cr3(swapper_pg_dir);
	write_cr0(read_cr0() | X86_CR0_PG | X86_CR0_WP);
	__asm__ __volatile__("jmp 1f\n1:" : : : "memory");
}
