/*
 * mm/page_alloc.c: the buddy allocator over the memory the multiboot map reports. Free blocks of 2^order
 * pages (order 0..MAX_ORDER-1) sit on free_area[order], naturally aligned; freeing merges a block with
 * its buddy while the buddy is free and of the same order (2.6.12's __free_pages_bulk, one zone).
 *
 * What is never handed out: everything below reserved_end - low memory (BIOS, the multiboot info),
 * the kernel image, mem_map and the kernel's page tables - rounded up to 4 MiB so the boot-time free
 * count does not move with every change to the kernel's size - and whatever the map does not call
 * available.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/multiboot.h>
#include <linux/bug.h>
#include <linux/string.h>
#include <asm/pgtable.h>
#include <asm/system.h>

#define RESERVE_ALIGN	(4UL << 20)
#define MAX_PHYS	0xF0000000ULL	/* ignore anything in the top 256 MiB (device space) */

extern char _end[];	/* kernel.ld */

struct page *mem_map;
unsigned long max_pfn;
unsigned long num_physpages;
unsigned long totalram_pages;
unsigned long nr_free_pages;
unsigned long reserved_end;
struct free_area free_area[MAX_ORDER];

/* The boot-time allocator's pages: after mem_map, below reserved_end (2.6.12's bootmem, reduced to
 * what paging_init needs: one page table per 4 MiB of memory, never freed). */
static unsigned long bootmem_next, bootmem_end;

#define PageBuddy(p)	((p)->flags & (1UL << PG_buddy))

static void add_free_block(struct page *page, unsigned int order)
{
	page->private = order;
	page->flags |= 1UL << PG_buddy;
	list_add(&page->lru, &free_area[order].free_list);
	free_area[order].nr_free++;
}

static void del_free_block(struct page *page, unsigned int order)
{
	list_del(&page->lru);
	page->flags &= ~(1UL << PG_buddy);
	free_area[order].nr_free--;
}

/* alloc_pages: a block of 2^order pages, splitting a larger free block if needed; NULL if none. */
struct page *alloc_pages(unsigned int gfp_mask, unsigned int order)
{
	unsigned long flags;
	unsigned int o;

	(void)gfp_mask;
	local_irq_save(flags);
	for (o = order; o < MAX_ORDER; o++) {
		struct page *page;

		if (list_empty(&free_area[o].free_list))
			continue;
		page = list_entry(free_area[o].free_list.next, struct page, lru);
		del_free_block(page, o);
		while (o > order) {	/* expand(): hand the upper halves back */
			o--;
			add_free_block(page + (1UL << o), o);
		}
		page->_count = 1;
		nr_free_pages -= 1UL << order;
		local_irq_restore(flags);
		return page;
	}
	local_irq_restore(flags);
	return NULL;
}

/* __free_pages: give back a block that alloc_pages(order) returned, merging it with free buddies. */
void __free_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long flags;

	BUG_ON(page->flags & ((1UL << PG_reserved) | (1UL << PG_buddy) | (1UL << PG_slab)));
	BUG_ON(pfn & ((1UL << order) - 1));
	local_irq_save(flags);
	page->_count = 0;
	nr_free_pages += 1UL << order;
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = mem_map + buddy_pfn;

		if (buddy_pfn >= max_pfn || !PageBuddy(buddy) || buddy->private != order)
			break;
		del_free_block(buddy, order);
		pfn &= ~(1UL << order);
		order++;
	}
	add_free_block(mem_map + pfn, order);
	local_irq_restore(flags);
}

unsigned long __get_free_pages(unsigned int gfp_mask, unsigned int order)
{
	struct page *page = alloc_pages(gfp_mask, order);

	return page ? (unsigned long)page_address(page) : 0;
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page(addr), order);
}

unsigned long get_zeroed_page(unsigned int gfp_mask)
{
	unsigned long page = __get_free_pages(gfp_mask, 0);

	if (page)
		clear_page((void *)page);
	return page;
}

/* alloc_bootmem_low_pages: zeroed, page-aligned memory that is never freed, from the area mem_init()
 * set aside. Running out is a kernel bug (mem_init sized it). */
void *alloc_bootmem_low_pages(unsigned long size)
{
	unsigned long p = bootmem_next;

	size = PAGE_ALIGN(size);
	BUG_ON(bootmem_end - bootmem_next < size);
	bootmem_next += size;
	memset((void *)p, 0, size);
	return (void *)p;
}

/* The end of usable memory: the highest available region below MAX_PHYS. */
static unsigned long long find_memory_end(const struct boot_mem_map *map)
{
	unsigned long long end = 0;
	int i;

	for (i = 0; i < map->nr; i++)
		if (map->region[i].type == MULTIBOOT_MEMORY_AVAILABLE &&
		    map->region[i].addr + map->region[i].len > end)
			end = map->region[i].addr + map->region[i].len;
	return end > MAX_PHYS ? MAX_PHYS : end;
}

/* Free every whole page of [start, end) at or above reserved_end. */
static void free_boot_range(unsigned long long start, unsigned long long end)
{
	unsigned long pfn = (start + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned long last = end >> PAGE_SHIFT;

	if (pfn < (reserved_end >> PAGE_SHIFT))
		pfn = reserved_end >> PAGE_SHIFT;
	for (; pfn < last && pfn < max_pfn; pfn++) {
		mem_map[pfn].flags &= ~(1UL << PG_reserved);
		__free_pages(mem_map + pfn, 0);
		totalram_pages++;
	}
}

/*
 * mem_init: build mem_map just after the kernel, set aside room for the kernel's page tables after it
 * (one per 4 MiB of memory, paging_init), mark every frame reserved, then free the available ones. `map` must be a copy: mem_map may overwrite what the loader left after the kernel (QEMU puts
 * the multiboot info there). Prints the totals; too little memory is a panic.
 */
void mem_init(const struct boot_mem_map *map)
{
	unsigned long long end = find_memory_end(map);
	unsigned long i;

	max_pfn = end >> PAGE_SHIFT;
	num_physpages = max_pfn;
	mem_map = (struct page *)PAGE_ALIGN((unsigned long)_end);
	bootmem_next = PAGE_ALIGN((unsigned long)(mem_map + max_pfn));
	bootmem_end = bootmem_next + ((max_pfn + PTRS_PER_PTE - 1) / PTRS_PER_PTE) * PAGE_SIZE;
	reserved_end = (bootmem_end + RESERVE_ALIGN - 1) & ~(RESERVE_ALIGN - 1);
	if (end <= reserved_end + (1UL << 20))
		panic("mem_init: %llu KiB of memory is not enough", end >> 10);
	for (i = 0; i < MAX_ORDER; i++)
		INIT_LIST_HEAD(&free_area[i].free_list);
	for (i = 0; i < max_pfn; i++) {
		mem_map[i].flags = 1UL << PG_reserved;
		mem_map[i]._count = 0;
		INIT_LIST_HEAD(&mem_map[i].lru);
	}
	for (i = 0; i < (unsigned long)map->nr; i++)
		if (map->region[i].type == MULTIBOOT_MEMORY_AVAILABLE)
			free_boot_range(map->region[i].addr, map->region[i].addr + map->region[i].len);
	printk(KERN_INFO "Memory: %lu KiB RAM, %lu pages free (kernel and mem_map below %lu KiB reserved)\n",
	       (unsigned long)(end >> 10), nr_free_pages, reserved_end >> 10);
}
