/*
 * A mapping forkscope cannot honour: linear page 0x300000, inside guest RAM, mapped to frame 0x500000.
 * Unicorn 2.0.1 would use 0x300000 as the physical address; forkscope stops the run when the tables
 * are loaded (status 5) instead of letting the guest read the wrong frame.
 */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_id
	movl $0x500003, pt_id + (0x300000 >> 12) * 4
	mov $pt_id + 3, %eax
	mov %eax, pd
	mov $pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	.globl enable_paging
enable_paging:
	mov %eax, %cr0
	jmp 2f
2:	mov 0x300000, %eax
	EXIT 0
	hlt

	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
#include "common_data.inc"
