/*
 * Code changed through another mapping of its frame (what Linux's text_poke does: it maps the page
 * it patches at a second linear address in a temporary mm and writes there). Linear USER runs
 * `mov $N, %eax; ret` from FRAME_A; the guest rewrites N through the identity mapping of FRAME_A
 * and must see the new code at USER at once. Exit 0 when it does, 20+n for the check n that failed.
 */
#include "common.inc"
	.set USER, 0x40000000
	.set FRAME_A, 0x200000

	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_id
	movl $0x00000ab8, FRAME_A	/* b8 0a 00 00 | 00 c3: mov $0xa, %eax; ret */
	movw $0xc300, FRAME_A + 4
	mov $pt_id + 3, %eax
	mov %eax, pd
	movl $pt_user + 7, pd + (USER >> 22) * 4
	movl $FRAME_A + 7, pt_user
	ENABLE_PAGING pd
	mov $1000, %ecx		/* make USER's block hot */
3:	call USER
	loop 3b
	EXPECT %eax, 0xa, 21
	movb $0x0b, FRAME_A + 1	/* through the identity mapping */
	call USER
	EXPECT %eax, 0xb, 22
	mov $1000, %ecx
4:	call USER
	loop 4b
	EXPECT %eax, 0xb, 23
	movb $0x0c, FRAME_A + 1
	call USER
	EXPECT %eax, 0xc, 24
	EXIT 0
	hlt

	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
pt_user: .space 4096
#include "common_data.inc"
