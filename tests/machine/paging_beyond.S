/*
 * A page table that names a frame beyond guest RAM (112 MiB with the default 64 MiB): a PC would read
 * open bus there; forkscope has no memory to give and ends the run as a guest error naming the linear
 * address and the frame, never a wrong byte.
 */
#include "common.inc"
	.set USER, 0x40000000
	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_id
	mov $pt_id + 3, %eax
	mov %eax, pd
	movl $pt_user + 3, pd + (USER >> 22) * 4
	movl $0x7000003, pt_user
	ENABLE_PAGING pd
	.globl read_beyond
read_beyond:
	mov USER + 0x10, %eax
	EXIT 0
	hlt

	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
pt_user: .space 4096
#include "common_data.inc"
