/* linux/mm.h + gfp.h + mmzone.h: page frames and the buddy allocator (mm/page_alloc.c). */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/list.h>
#include <asm/page.h>

#define MAX_ORDER	11

/* page->flags bits. */
#define PG_reserved	0	/* never handed out: kernel image, mem_map, holes */
#define PG_slab		1	/* head of a slab (mm/slab.c) */
#define PG_buddy	2	/* head of a free block; `private` holds its order */

struct kmem_cache;

/* One per page frame (mem_map[pfn]). The slab fields are used only while PG_slab is set (forkscope keeps
 * the slab descriptor here, as SLUB later did; 2.6.12 puts a struct slab on or off the slab).
 * Offsets the host reads: abi.h PAGE_STRUCT_*. */
struct page {
	unsigned long flags;
	int _count;			/* PAGE_STRUCT_COUNT: references (page_count()); 0 when free */
	unsigned long private;		/* buddy order while PG_buddy */
	struct list_head lru;		/* free_area list, or the cache's slab list */
	struct kmem_cache *slab_cache;
	void *freelist;			/* first free object of the slab */
	unsigned int inuse;		/* objects handed out from the slab */
};

struct free_area {
	struct list_head free_list;
	unsigned long nr_free;		/* blocks of this order */
};

extern struct page *mem_map;
extern unsigned long max_pfn;		/* one past the highest page frame */
extern unsigned long num_physpages;	/* = max_pfn: what fork_init() sizes max_threads from */
extern unsigned long totalram_pages;	/* pages the allocator was given at boot */
extern unsigned long nr_free_pages;	/* pages free now (a variable here, a function in Linux) */
extern unsigned long reserved_end;	/* first byte the allocator may hand out */
extern struct free_area free_area[MAX_ORDER];

#define pfn_to_page(pfn)	(mem_map + (pfn))
#define page_to_pfn(page)	((unsigned long)((page) - mem_map))
#define virt_to_page(addr)	pfn_to_page(__pa(addr) >> PAGE_SHIFT)
#define page_address(page)	__va(page_to_pfn(page) << PAGE_SHIFT)

#define GFP_KERNEL	0

/*
 * References to a user page: one per pte that maps it (fork shares a page between parent and child
 * instead of copying it, copy_page_range) - the allocator's first reference is the first pte's.
 * put_page() frees the page with the last one. 2.6.12 biases _count by -1 (page_count() adds 1);
 * here _count is the count itself, 1 from alloc_pages() on, 0 when free.
 */
void __free_pages(struct page *page, unsigned int order);
#define page_count(p)	((p)->_count)
static inline void get_page(struct page *page)
{
	page->_count++;
}
static inline void put_page(struct page *page)
{
	if (--page->_count == 0)
		__free_pages(page, 0);
}

struct mm_struct;

/*
 * A region of a process's address space (2.6.12's vm_area_struct, reduced: no rb-tree, no file, no
 * anon_vma). An mm's regions form a list sorted by address through vm_next. This kernel has no
 * demand paging: every page of a region is allocated and mapped when the region is created (exec) or
 * shared with a forked child (fork), so an address inside a region is always mapped - which is what
 * lets the kernel check user pointers against the regions instead of recovering from faults. The
 * one fault a region's page takes is copy-on-write: after fork a page of a writable region is mapped
 * read-only in both processes, and the first write to it (from user mode, or from the kernel through
 * copy_to_user: CR0.WP) gets do_wp_page() to give the writer a page of its own.
 */
struct vm_area_struct {
	struct mm_struct *vm_mm;	/* the address space it belongs to */
	unsigned long vm_start;		/* VMA_START: first byte */
	unsigned long vm_end;		/* VMA_END: first byte after */
	struct vm_area_struct *vm_next;	/* VMA_NEXT: the next region up, or NULL */
	unsigned long vm_page_prot;	/* pte protection bits of its pages */
	unsigned long vm_flags;		/* VMA_FLAGS: VM_* */
};

/* vm_flags (2.6.12 values). */
#define VM_READ		0x00000001
#define VM_WRITE	0x00000002
#define VM_EXEC		0x00000004
#define VM_GROWSDOWN	0x00000100	/* the stack (it does not grow here: it is made whole) */

struct page *alloc_pages(unsigned int gfp_mask, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
unsigned long __get_free_pages(unsigned int gfp_mask, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
unsigned long get_zeroed_page(unsigned int gfp_mask);
#define __free_page(page)	__free_pages((page), 0)
#define free_page(addr)		free_pages((addr), 0)
void *alloc_bootmem_low_pages(unsigned long size);

/* mm/mmap.c, mm/memory.c: user address spaces (regions and their pages). */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
int do_mmap_anonymous(struct mm_struct *mm, unsigned long addr, unsigned long len,
		      unsigned long vm_flags);
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm);
void exit_mmap(struct mm_struct *mm);
int populate_range(struct vm_area_struct *vma);
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma);
int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address,
		    int write_access);
void zap_page_range(struct vm_area_struct *vma);
void free_pgtables(struct mm_struct *mm);
struct page *follow_page(struct mm_struct *mm, unsigned long addr);
int access_process_vm_write(struct mm_struct *mm, unsigned long addr, const void *buf,
			    unsigned long len);
extern struct kmem_cache vm_area_cache;	/* vm_area_cachep in 2.6.12 */

/* handle_mm_fault()'s results (2.6.12's values). */
#define VM_FAULT_OOM	(-1)
#define VM_FAULT_SIGBUS	0
#define VM_FAULT_MINOR	1

/*
 * Copy-on-write counts since boot (forkscope's own, 2.6.12 has only per-task min_flt/maj_flt),
 * printed at shutdown: pages fork shared instead of copying; write faults do_wp_page() resolved
 * (those taken in the kernel, copy_to_user, among them), by copying the page or by making it
 * writable again because no one else mapped it any more. Offsets the host reads: abi.h COW_*.
 */
struct cow_stats {
	unsigned long shared;		/* COW_SHARED */
	unsigned long faults;		/* COW_FAULTS */
	unsigned long kernel_faults;	/* COW_KERNEL_FAULTS */
	unsigned long copied;		/* COW_COPIED */
	unsigned long reused;		/* COW_REUSED */
};
extern struct cow_stats cow_stats;

/* The memory map as setup_arch() copied it from the boot loader (2.6.12: struct e820map). */
#define BOOT_MEM_MAP_MAX 32
struct boot_mem_map {
	int nr;
	struct {
		unsigned long long addr, len;
		unsigned int type;	/* 1 = available (MULTIBOOT_MEMORY_AVAILABLE) */
	} region[BOOT_MEM_MAP_MAX];
};
void mem_init(const struct boot_mem_map *map);

#endif
