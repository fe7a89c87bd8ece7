/*
 * mm/mmap.c: the regions of a user address space. Regions are created whole (exec) or copied whole
 * (fork, their pages shared copy-on-write) and freed together (exit_mmap); nothing maps, unmaps or splits one in between, so the list
 * sorted by address is all the structure needed (2.6.12 keeps an rb-tree beside it).
 *
 * User space is [kernel_map_end, TASK_SIZE): below it the pgd entries are the kernel's identity map,
 * shared by every process.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <abi.h>

struct kmem_cache vm_area_cache;

/* find_vma: the first region ending above addr (it may start above addr too), or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;

	for (vma = mm->mmap; vma; vma = vma->vm_next)
		if (addr < vma->vm_end)
			return vma;
	return NULL;
}

/* insert_vm_struct: link vma into mm's list by address. The caller checked that it overlaps nothing. */
static void insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct **pp = &mm->mmap;

	while (*pp && (*pp)->vm_start < vma->vm_start)
		pp = &(*pp)->vm_next;
	vma->vm_next = *pp;
	*pp = vma;
	vma->vm_mm = mm;
	mm->map_count++;
	mm->total_vm += (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

static unsigned long vm_page_prot(unsigned long vm_flags)
{
	return (vm_flags & VM_WRITE) ? PAGE_SHARED : PAGE_READONLY;
}

/*
 * do_mmap_anonymous: a new region [addr, addr + len) (page-aligned) of zeroed pages, mapped at once.
 * The exec-time counterpart of 2.6.12's do_mmap/do_brk for the ELF segments, the bss and the stack.
 * Returns 0, -EINVAL (not user space, or overlapping a region) or -ENOMEM; on -ENOMEM whatever was
 * mapped stays in mm for exit_mmap() to free.
 */
int do_mmap_anonymous(struct mm_struct *mm, unsigned long addr, unsigned long len,
		      unsigned long vm_flags)
{
	struct vm_area_struct *vma, *next;

	if ((addr | len) & ~PAGE_MASK || !len)
		return -EINVAL;
	if (addr < kernel_map_end || addr > TASK_SIZE || len > TASK_SIZE - addr)
		return -EINVAL;
	next = find_vma(mm, addr);
	if (next && next->vm_start < addr + len)
		return -EINVAL;
	vma = kmem_cache_alloc(&vm_area_cache, GFP_KERNEL);
	if (!vma)
		return -ENOMEM;
	memset(vma, 0, sizeof(*vma));
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_page_prot = vm_page_prot(vm_flags);
	insert_vm_struct(mm, vma);
	return populate_range(vma);
}

/*
 * dup_mmap: fork's copy of oldmm into the empty mm - every region, its pages shared with oldmm
 * copy-on-write (copy_page_range). oldmm's ptes were write-protected under it, and oldmm is the
 * loaded address space (current is forking), so its TLB is flushed before returning (2.6.12:
 * flush_tlb_mm(oldmm)), even on failure: a stale writable entry would let the parent write a page
 * the child sees. Returns 0 or -ENOMEM; on failure mm holds what was shared, for mmput().
 */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *mpnt, *tmp;
	int retval;

	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	for (mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next) {
		tmp = kmem_cache_alloc(&vm_area_cache, GFP_KERNEL);
		retval = -ENOMEM;
		if (!tmp)
			goto out;
		*tmp = *mpnt;
		tmp->vm_next = NULL;
		insert_vm_struct(mm, tmp);
		retval = copy_page_range(mm, oldmm, tmp);
		if (retval)
			goto out;
	}
	retval = 0;
out:
	if (read_cr3() == __pa(oldmm->pgd))
		__flush_tlb();
	return retval;
}

/*
 * exit_mmap: the last user of mm is gone: free every page, every region, every user page table. If
 * mm is the loaded address space (a task exiting runs on it until it switches away), the TLB is
 * flushed, so nothing can reach the freed pages through a stale translation.
 */
void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap;

	while (vma) {
		struct vm_area_struct *next = vma->vm_next;

		zap_page_range(vma);
		kmem_cache_free(&vm_area_cache, vma);
		vma = next;
	}
	mm->mmap = NULL;
	mm->map_count = 0;
	mm->total_vm = 0;
	free_pgtables(mm);
	if (read_cr3() == __pa(mm->pgd))
		__flush_tlb();
}
