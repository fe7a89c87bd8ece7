/*
 * Physical memory with no RAM behind it (64 MiB by default): a read before paging (where Linux 6.1's
 * early microcode loader reads), and frames a page table names beyond RAM (112 MiB). Data there is
 * open bus, as on a PC (docs/machine.md "Memory"): a read returns all ones, a write is dropped (exit
 * 20-23 if not). Running code there is the guest's bug: the jump to the second frame ends the run
 * as a guest error naming the frame, at the jump's target, never executing a wrong byte.
 */
#include "common.inc"
	.set USER, 0x40000000
	.text
	.globl _start
_start:
	SETUP
	/* Before paging: no RAM, no device at this physical address. */
	mov 0xC1E6A6E0, %eax
	EXPECT %eax, 0xFFFFFFFF, 20
	IDENTITY_PT pt_id
	mov $pt_id + 3, %eax
	mov %eax, pd
	movl $pt_user + 3, pd + (USER >> 22) * 4
	movl $0x7000003, pt_user
	movl $0x7001003, pt_user + 4
	ENABLE_PAGING pd
	.globl read_beyond
read_beyond:
	mov USER + 0x10, %eax
	EXPECT %eax, 0xFFFFFFFF, 21
	movl $0x12345678, USER + 0x10		/* dropped */
	mov USER + 0x10, %eax
	EXPECT %eax, 0xFFFFFFFF, 22
	movzbl USER + 0xFFF, %eax		/* a byte at the page's end */
	EXPECT %eax, 0xFF, 23
	.globl run_beyond
run_beyond:
	jmp USER + 0x1000			/* the second frame beyond RAM: no code there */
	EXIT 24
	hlt

	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
pt_user: .space 4096
#include "common_data.inc"
