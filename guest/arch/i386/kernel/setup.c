/* arch/i386/kernel/setup.c + cpu/common.c: what the boot loader told us (multiboot instead of the BIOS
 * e820 map and the real-mode command line), and cpu_init() - the TSS in the GDT and in TR. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/multiboot.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <abi.h>


char saved_command_line[COMMAND_LINE_SIZE];
static struct boot_mem_map boot_mem_map;

/* Copies the memory map (or, without one, mem_lower/mem_upper as two regions) out of the loader's
 * memory, which mem_init() may overwrite. */
static void copy_memory_map(const struct multiboot_info *mbi)
{
	struct boot_mem_map *map = &boot_mem_map;

	if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) {
		unsigned long p = mbi->mmap_addr;

		while (p < mbi->mmap_addr + mbi->mmap_length && map->nr < BOOT_MEM_MAP_MAX) {
			const struct multiboot_mmap_entry *e = (const void *)p;

			map->region[map->nr].addr = e->addr;
			map->region[map->nr].len = e->len;
			map->region[map->nr].type = e->type;
			map->nr++;
			p += e->size + sizeof(e->size);
		}
		return;
	}
	map->region[0].addr = 0;
	map->region[0].len = mbi->mem_lower * 1024ULL;
	map->region[0].type = MULTIBOOT_MEMORY_AVAILABLE;
	map->region[1].addr = 1ULL << 20;
	map->region[1].len = mbi->mem_upper * 1024ULL;
	map->region[1].type = MULTIBOOT_MEMORY_AVAILABLE;
	map->nr = 2;
}

/* Copies the command line out of the loader's memory (which the page allocator may reuse). */
static void copy_command_line(const struct multiboot_info *mbi)
{
	if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
		strlcpy(saved_command_line, (const char *)mbi->cmdline, sizeof(saved_command_line));
	else
		saved_command_line[0] = 0;
}

/* setup_arch: check we were started by a multiboot loader, keep the command line, hand the memory map
 * to the page allocator and turn paging on. A bad handshake ends the run with FS_EXIT_BAD_BOOT. */
void setup_arch(unsigned long magic, const struct multiboot_info *mbi)
{
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		printk(KERN_ERR "setup: not started by a multiboot loader (eax %08lx)\n", magic);
		machine_exit(FS_EXIT_BAD_BOOT);
	}
	if (!(mbi->flags & (MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MEM_MAP))) {
		printk(KERN_ERR "setup: the multiboot info has no memory information (flags %08x)\n", mbi->flags);
		machine_exit(FS_EXIT_BAD_BOOT);
	}
	copy_command_line(mbi);
	copy_memory_map(mbi);
	printk(KERN_NOTICE "Kernel command line: %s\n", saved_command_line);
	mem_init(&boot_mem_map);
	paging_init();
}

/* cpu_init: install the TSS descriptor (GDT entry 16) and load TR; fs and gs stay null in the kernel. */
void cpu_init(void)
{
	set_tss_desc(GDT_ENTRY_TSS, &init_tss, TSS_LIMIT);
	__asm__ __volatile__("ltr %w0" : : "r"(__TSS_SEL));
	__asm__ __volatile__("movl %0, %%fs; movl %0, %%gs" : : "r"(0));
}
