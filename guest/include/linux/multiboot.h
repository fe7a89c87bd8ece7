/* The boot information a multiboot (v1) loader hands over in EBX (Multiboot Specification 0.6.96, 3.3).
 * Linux 2.6.12 boots through its own setup code instead; forkscope and QEMU -kernel speak multiboot. */
#ifndef _LINUX_MULTIBOOT_H
#define _LINUX_MULTIBOOT_H

#include <linux/types.h>

#define MULTIBOOT_HEADER_MAGIC		0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2BADB002
#define MULTIBOOT_INFO_MEMORY		0x001
#define MULTIBOOT_INFO_CMDLINE		0x004
#define MULTIBOOT_INFO_MEM_MAP		0x040
#define MULTIBOOT_MEMORY_AVAILABLE	1

struct multiboot_info {
	u32 flags;
	u32 mem_lower, mem_upper;	/* KiB below 1 MiB, KiB above 1 MiB */
	u32 boot_device;
	u32 cmdline;			/* physical address of a NUL-terminated string */
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __attribute__((packed));

/* One memory-map entry; `size` does not count itself. */
struct multiboot_mmap_entry {
	u32 size;
	u64 addr;
	u64 len;
	u32 type;
} __attribute__((packed));

#endif
