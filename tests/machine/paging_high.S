/*
 * A kernel that lives at 0xC0000000, as Linux's 3G/1G split places it: the image is loaded low (at
 * 1 MiB, physical), maps itself at KBASE + physical as Linux's early boot does (with the identity
 * mapping alongside until it runs high), jumps up, drops the identity mapping and reloads CR3. From
 * then on no linear address below KBASE is mapped: the GDT, IDT, stack and handlers are reached at
 * their high addresses only, so interrupt delivery must read the IDT and GDT and push its frames
 * through the page tables (emu/paging.hpp). It checks int $0x80 to a high handler and back, a #PF
 * for a low address (CR2, error code, return EIP), and an INVLPG of a high page repointed at another
 * frame. Exit 0 when all hold, 20+n for the check n that failed.
 */
#include "common.inc"
	.set KBASE, 0xC0000000
	.set PROBE, KBASE + 0x300000	/* a high page repointed from frame 3 MiB to 2 MiB */

	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_low
	mov $pt_low + 3, %eax
	mov %eax, pd			/* 0-4 MiB: identity, until we run high */
	mov %eax, pd + (KBASE >> 22) * 4	/* KBASE-KBASE+4 MiB: the same frames */
	movl $0x5555, 0x300800		/* frame 3 MiB */
	movl $0x6666, 0x200800		/* frame 2 MiB */
	mov $pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	mov $high + KBASE, %eax
	jmp *%eax

high:	/* Running at KBASE + something. Move everything high, then drop the identity mapping. */
	lgdt gdt_high_desc + KBASE
	ljmp $0x08, $1f + KBASE
1:	mov $stack_top + KBASE, %esp
	mov $idt + KBASE, %edi
	xor %ecx, %ecx
2:	mov $unexpected + KBASE, %eax
	mov %ax, (%edi)
	movw $0x08, 2(%edi)
	movw $0x8E00, 4(%edi)
	shr $16, %eax
	mov %ax, 6(%edi)
	add $8, %edi
	inc %ecx
	cmp $256, %ecx
	jne 2b
	mov $syscall_handler + KBASE, %eax
	mov %ax, idt + KBASE + 0x80 * 8
	shr $16, %eax
	mov %ax, idt + KBASE + 0x80 * 8 + 6
	mov $pf_handler + KBASE, %eax
	mov %ax, idt + KBASE + 14 * 8
	shr $16, %eax
	mov %ax, idt + KBASE + 14 * 8 + 6
	lidt idt_high_desc + KBASE
	movl $0, pd + KBASE		/* no identity mapping any more */
	mov $pd, %eax
	mov %eax, %cr3
	.globl running_high
running_high:
	mov $0x1234, %eax
	int $0x80
	EXPECT %eax, 0x4321, 21
	EXPECT %ebx, 1, 22
	.globl low_read
low_read:
	mov 0x1000, %ecx		/* nothing is mapped low: #PF, the handler skips the 6-byte load */
	EXPECT %ebx, 2, 23
	mov PROBE + 0x800, %eax
	EXPECT %eax, 0x5555, 24
	movl $0x200003, pt_low + KBASE + (0x300000 >> 12) * 4
	invlpg PROBE
	mov PROBE + 0x800, %eax
	EXPECT %eax, 0x6666, 25
	EXIT 0
	hlt

syscall_handler:
	cmpl $0x08, 4(%esp)		/* the frame: EIP, CS, EFLAGS, pushed at a high ESP */
	jne 1f
	mov %esp, %ecx
	cmp $KBASE, %ecx
	jb 1f
	mov $1, %ebx
	mov $0x4321, %eax
	iret
1:	EXIT 30
	hlt

pf_handler:
	mov %cr2, %ecx
	cmp $0x1000, %ecx
	jne 1f
	cmpl $0, (%esp)			/* error code: not present, read, supervisor */
	jne 2f
	cmpl $low_read + KBASE, 4(%esp)
	jne 3f
	addl $6, 4(%esp)		/* skip the faulting 6-byte mov */
	add $4, %esp			/* drop the error code */
	mov $2, %ebx
	iret
1:	EXIT 31
	hlt
2:	EXIT 32
	hlt
3:	EXIT 33
	hlt

	.data
	.align 8
gdt_high:
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt_high_desc:
	.word gdt_high_desc - gdt_high - 1
	.long gdt_high + KBASE
	.align 4
idt_high_desc:
	.word 256 * 8 - 1
	.long idt + KBASE

	.bss
	.align 4096
pd:	.space 4096
pt_low:	.space 4096
#include "common_data.inc"
