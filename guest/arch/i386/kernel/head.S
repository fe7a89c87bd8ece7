/*
 * arch/i386/kernel/head.S: the first instructions. A multiboot (v1) loader enters startup_32 in 32-bit
 * protected mode with paging off, IF = 0, flat segments of its own, EAX = 0x2BADB002 and EBX = the
 * multiboot_info block (Multiboot Specification 0.6.96, 3.2). Linux 2.6.12's head.S is entered from its
 * own real-mode setup instead and turns paging on here; forkscope's kernel is linked where it runs
 * (PAGE_OFFSET 0) and turns paging on later, in paging_init(), with an identity map. What is left
 * here: our GDT, our segments, swapper's stack, clear BSS, start_kernel(magic, mbi).
 */
#include <linux/linkage.h>
#include <asm/segment.h>
#include <abi.h>

#define MULTIBOOT_HEADER_MAGIC	0x1BADB002
#define MULTIBOOT_PAGE_ALIGN	0x00000001
#define MULTIBOOT_MEMORY_INFO	0x00000002
#define MULTIBOOT_HEADER_FLAGS	(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* The header must lie within the first 8 KiB of the file, 4-byte aligned: kernel.ld puts it first. */
	.section .multiboot, "a"
	.p2align 2
multiboot_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MULTIBOOT_HEADER_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

	.section .text.head, "ax"
ENTRY(startup_32)
	cld
	lgdt cpu_gdt_descr
	ljmp $__KERNEL_CS, $1f
1:	movl $__KERNEL_DS, %ecx
	movl %ecx, %ds
	movl %ecx, %es
	movl %ecx, %ss
	xorl %ecx, %ecx
	movl %ecx, %fs
	movl %ecx, %gs
	/* Clear BSS; eax and ebx (the multiboot handshake) survive. */
	movl $__bss_start, %edi
	movl $__bss_stop, %ecx
	subl %edi, %ecx
	movl %eax, %edx
	xorl %eax, %eax
	rep stosb
	movl %edx, %eax
	/* swapper's stack: the top of init_thread_union, whose bottom is init_task's thread_info. */
	movl $(init_thread_union + THREAD_SIZE), %esp
	xorl %ebp, %ebp
	pushl $0
	popfl				/* IF = 0, DF = 0, IOPL 0, NT 0 */
	pushl %ebx			/* struct multiboot_info * */
	pushl %eax			/* magic */
	call start_kernel
	/* start_kernel never returns; if it did, stop here. */
2:	cli
	hlt
	jmp 2b
END(startup_32)

/*
 * The GDT (2.6.12 cpu_gdt_table layout): 32 entries, the flat 4 GiB kernel and user segments at
 * entries 12-15, the TSS at 16 (its descriptor is filled by cpu_init()), everything else null.
 */
	.data
	.p2align 3
	.globl cpu_gdt_table
	.type cpu_gdt_table, @object
cpu_gdt_table:
	.fill 12, 8, 0			/* 0x00-0x58: null, TLS, PnP BIOS, APM - unused */
	.quad 0x00cf9a000000ffff	/* 0x60 __KERNEL_CS: 4 GiB code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x68 __KERNEL_DS: 4 GiB data, DPL 0 */
	.quad 0x00cffa000000ffff	/* 0x73 __USER_CS: 4 GiB code, DPL 3 */
	.quad 0x00cff2000000ffff	/* 0x7b __USER_DS: 4 GiB data, DPL 3 */
	.quad 0x0000000000000000	/* 0x80 TSS (cpu_init) */
	.quad 0x0000000000000000	/* 0x88 LDT - none */
	.fill 14, 8, 0			/* 0x90-0xf8: unused */
	.size cpu_gdt_table, . - cpu_gdt_table

	.p2align 2
	.word 0
cpu_gdt_descr:
	.word 32 * 8 - 1
	.long cpu_gdt_table

/*
 * swapper_pg_dir: the kernel's page directory (paging_init fills its first entries; 2.6.12 keeps it
 * in head.S too). Page-aligned, as CR3 requires.
 */
	.section .bss.page_aligned, "aw", @nobits
	.p2align 12
	.globl swapper_pg_dir
	.type swapper_pg_dir, @object
swapper_pg_dir:
	.skip 4096
	.size swapper_pg_dir, . - swapper_pg_dir
