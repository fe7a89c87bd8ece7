/*
 * mm/memory.c: the pages behind user regions, through the page tables. Every page of a region is
 * present from the region's creation to exit_mmap() (no demand paging, no swap), so the walks here
 * never meet a hole inside a region. fork shares pages copy-on-write (copy_page_range) and the write
 * fault on such a page ends here (handle_mm_fault -> handle_pte_fault -> do_wp_page), as in 2.6.12.
 */
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/bug.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>

struct cow_stats cow_stats;

/* pte_alloc_map: the pte for addr in mm, allocating a zeroed page table when the pgd entry is empty.
 * NULL without memory. addr must be in user space: the kernel's pgd entries are shared. */
static pte_t *pte_alloc_map(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);

	BUG_ON(addr < kernel_map_end || addr >= TASK_SIZE);
	if (!pgd_present(*pgd)) {
		unsigned long table = get_zeroed_page(GFP_KERNEL);

		if (!table)
			return NULL;
		set_pgd(pgd, __pgd(__pa(table) | _PAGE_TABLE));
	}
	return pte_offset_kernel(pgd, addr);
}

/* The pte for addr if its page table exists, else NULL. */
static pte_t *pte_lookup(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);

	if (!pgd_present(*pgd))
		return NULL;
	return pte_offset_kernel(pgd, addr);
}

/* install_page: map page at addr with the region's protection. */
static int install_page(struct vm_area_struct *vma, unsigned long addr, struct page *page)
{
	pte_t *pte = pte_alloc_map(vma->vm_mm, addr);

	if (!pte)
		return -ENOMEM;
	BUG_ON(pte_present(*pte));
	set_pte(pte, pfn_pte(page_to_pfn(page), vma->vm_page_prot));
	vma->vm_mm->rss++;
	return 0;
}

/* populate_range: a zeroed page behind every page of vma. 0 or -ENOMEM (pages mapped so far stay). */
int populate_range(struct vm_area_struct *vma)
{
	unsigned long addr;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		unsigned long page = get_zeroed_page(GFP_KERNEL);

		if (!page)
			return -ENOMEM;
		if (install_page(vma, addr, virt_to_page(page))) {
			free_page(page);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * copy_page_range: fork's share of the parent's region (vma is the child's copy of it): every page
 * of src is mapped at the same address in dst too, one more reference on it, nothing copied. In a
 * writable region both ptes lose _PAGE_RW - the parent's as well, so that neither process can write
 * what the other still sees - and the first write from either side faults into do_wp_page(). A
 * read-only region's pages are simply shared. The caller flushes the parent's TLB (dup_mmap): its
 * ptes changed under it. 0 or -ENOMEM (the pages shared so far stay in dst for mmput()).
 */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)
{
	int cow = (vma->vm_flags & VM_WRITE) != 0;	/* every region here is private */
	unsigned long addr;

	BUG_ON(vma->vm_mm != dst);
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		pte_t *src_pte = pte_lookup(src, addr), *dst_pte, pte;

		BUG_ON(!src_pte || !pte_present(*src_pte));
		dst_pte = pte_alloc_map(dst, addr);
		if (!dst_pte)
			return -ENOMEM;
		BUG_ON(pte_present(*dst_pte));
		if (cow)
			ptep_set_wrprotect(src_pte);
		pte = *src_pte;
		get_page(pfn_to_page(pte_pfn(pte)));
		set_pte(dst_pte, pte);
		dst->rss++;
		cow_stats.shared++;
	}
	return 0;
}

/* zap_page_range: unmap every page of vma (the ones that were mapped), dropping the reference each
 * pte held: a page still mapped by another process (fork shared it) stays, the last user frees it. */
void zap_page_range(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		pte_t *pte = pte_lookup(mm, addr);

		if (!pte || !pte_present(*pte))
			continue;
		put_page(pfn_to_page(pte_pfn(*pte)));
		pte_clear(pte);
		mm->rss--;
	}
}

/*
 * do_wp_page: a write to the present, write-protected page at address in a writable region - a page
 * fork shared. If this pte holds the only reference left (the other process exited, exec'd or has
 * copied the page already) the page is simply made writable again ("reused"); otherwise the writer
 * gets a copy of its own, and the old page one reference less. The TLB entry for address is dropped
 * either way (invlpg), so the retried write goes through the new pte: with a copy, to the new frame.
 * VM_FAULT_MINOR, or VM_FAULT_OOM without a page for the copy (nothing changed then).
 */
static int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address,
		      pte_t *page_table, pte_t pte)
{
	struct page *old_page = pfn_to_page(pte_pfn(pte)), *new_page;

	(void)mm;
	cow_stats.faults++;
	if (page_count(old_page) == 1) {
		set_pte(page_table, pte_mkyoung(pte_mkdirty(pte_mkwrite(pte))));
		__flush_tlb_one(address);
		cow_stats.reused++;
		return VM_FAULT_MINOR;
	}
	new_page = alloc_pages(GFP_KERNEL, 0);
	if (!new_page)
		return VM_FAULT_OOM;
	copy_page(page_address(new_page), page_address(old_page));	/* through the identity map */
	set_pte(page_table, pfn_pte(page_to_pfn(new_page), vma->vm_page_prot | _PAGE_DIRTY));
	__flush_tlb_one(address);
	put_page(old_page);	/* not the last reference: page_count was above 1 */
	cow_stats.copied++;
	return VM_FAULT_MINOR;
}

/*
 * handle_pte_fault: what the pte says about a fault inside a region. Every page of a region is
 * mapped (no demand paging), so a missing pte is a kernel bug's trace and SIGBUS. A write to a
 * write-protected pte is copy-on-write; anything else found a pte that already allows the access (a
 * stale TLB entry): drop it and retry.
 */
static int handle_pte_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address,
			    int write_access, pte_t *pte)
{
	pte_t entry = *pte;

	if (!pte_present(entry))
		return VM_FAULT_SIGBUS;
	if (write_access && !pte_write(entry))
		return do_wp_page(mm, vma, address, pte, entry);
	__flush_tlb_one(address);
	return VM_FAULT_MINOR;
}

/* handle_mm_fault: resolve a fault at address inside vma (do_page_fault checked the access against
 * the region's flags). VM_FAULT_MINOR when the access can be retried, else VM_FAULT_SIGBUS/OOM. */
int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address,
		    int write_access)
{
	pte_t *pte = pte_lookup(mm, address);

	if (!pte)
		return VM_FAULT_SIGBUS;
	return handle_pte_fault(mm, vma, address, write_access, pte);
}

/* free_pgtables: free every user page table of mm (their ptes must be clear already). */
void free_pgtables(struct mm_struct *mm)
{
	unsigned int i;

	for (i = kernel_pgd_ptrs; i < pgd_index(TASK_SIZE); i++) {
		pgd_t *pgd = mm->pgd + i;

		if (!pgd_present(*pgd))
			continue;
		free_page((unsigned long)pgd_page_kernel(*pgd));
		pgd_clear(pgd);
	}
}

/* follow_page: the page mapped at addr in mm, or NULL. */
struct page *follow_page(struct mm_struct *mm, unsigned long addr)
{
	pte_t *pte;

	if (addr < kernel_map_end || addr >= TASK_SIZE)
		return NULL;
	pte = pte_lookup(mm, addr);
	if (!pte || !pte_present(*pte))
		return NULL;
	return pfn_to_page(pte_pfn(*pte));
}

/*
 * access_process_vm_write: copy len bytes from the kernel's buf to addr in mm, through the frames
 * (mm need not be the loaded address space: exec fills a new one before switching to it). Returns
 * 0, or -EFAULT if a page in the range is not mapped. The frames are written directly, past any
 * write protection: a page shared with another mm (fork) must not be written this way, so mm must
 * be one nothing was forked from yet (exec's new one).
 */
int access_process_vm_write(struct mm_struct *mm, unsigned long addr, const void *buf,
			    unsigned long len)
{
	const char *src = buf;

	while (len) {
		unsigned long offset = addr & ~PAGE_MASK;
		unsigned long n = min(len, PAGE_SIZE - offset);
		struct page *page = follow_page(mm, addr);

		if (!page)
			return -EFAULT;
		BUG_ON(page_count(page) != 1);
		memcpy((char *)page_address(page) + offset, src, n);
		addr += n;
		src += n;
		len -= n;
	}
	return 0;
}
