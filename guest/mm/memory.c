/*
 * mm/memory.c: the pages behind user regions, through the page tables. Every page of a region is
 * present from the region's creation to exit_mmap() (no demand paging, no copy-on-write, no swap), so
 * the walks here never meet a hole inside a region.
 */
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/bug.h>
#include <asm/pgtable.h>

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
 * copy_page_range: fork without copy-on-write - for each page of the parent's region (vma is the
 * child's copy of it), a new page with the same contents, mapped at the same address in dst. The
 * copy goes through the kernel's identity map of both frames, not through user addresses.
 */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)
{
	unsigned long addr;

	BUG_ON(vma->vm_mm != dst);
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		struct page *from = follow_page(src, addr);
		unsigned long page;

		BUG_ON(!from);
		page = __get_free_pages(GFP_KERNEL, 0);
		if (!page)
			return -ENOMEM;
		copy_page((void *)page, page_address(from));
		if (install_page(vma, addr, virt_to_page(page))) {
			free_page(page);
			return -ENOMEM;
		}
	}
	return 0;
}

/* zap_page_range: unmap and free every page of vma (the ones that were mapped). */
void zap_page_range(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		pte_t *pte = pte_lookup(mm, addr);

		if (!pte || !pte_present(*pte))
			continue;
		__free_page(pfn_to_page(pte_pfn(*pte)));
		pte_clear(pte);
		mm->rss--;
	}
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
 * 0, or -EFAULT if a page in the range is not mapped.
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
		memcpy((char *)page_address(page) + offset, src, n);
		addr += n;
		src += n;
		len -= n;
	}
	return 0;
}
