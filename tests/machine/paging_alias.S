/*
 * Paging that translates (emu/paging.hpp): two page directories map the same linear page USER (1 GiB,
 * outside guest RAM) to different frames A and B, each holding different data and different code.
 * The guest switches CR3 between them and checks it always sees the frame its current tables name,
 * for data reads, writes and instruction fetches; then it repoints A's entry at frame C and checks
 * INVLPG makes the change visible at once. Exit 0 when all hold, 20+n for the check n that failed.
 */
#include "common.inc"
	.set USER, 0x40000000
	.set FRAME_A, 0x200000
	.set FRAME_B, 0x300000
	.set FRAME_C, 0x400000

	.text
	.globl _start
_start:
	SETUP
	/* Identity page table for 0-4 MiB (kernel, tables, and the frames themselves). */
	IDENTITY_PT pt_id
	/* Frame contents: code `mov $N, %eax; ret` at offset 0, a data word at 0x800. */
	movl $0x00000ab8, FRAME_A	/* b8 0a 00 00 | 00 c3 */
	movw $0xc300, FRAME_A + 4
	movl $0x00000bb8, FRAME_B
	movw $0xc300, FRAME_B + 4
	movl $0x1111, FRAME_A + 0x800
	movl $0x2222, FRAME_B + 0x800
	movl $0x4444, FRAME_C + 0x800
	/* Directories: entry 0 -> identity table; entry USER>>22 -> a table mapping USER to A or B. */
	mov $pt_id + 3, %eax
	mov %eax, pd_a
	mov %eax, pd_b
	movl $pt_a + 7, pd_a + (USER >> 22) * 4
	movl $pt_b + 7, pd_b + (USER >> 22) * 4
	movl $FRAME_A + 7, pt_a
	movl $FRAME_B + 7, pt_b

	ENABLE_PAGING pd_a
	.globl under_a
under_a:
	mov USER + 0x800, %eax
	EXPECT %eax, 0x1111, 21
	call USER
	EXPECT %eax, 0xa, 22

	mov $pd_b, %eax
	mov %eax, %cr3
	.globl under_b
under_b:
	mov USER + 0x800, %eax
	EXPECT %eax, 0x2222, 23
	call USER			/* the same linear code address, other code */
	EXPECT %eax, 0xb, 24
	movl $0x3333, USER + 0x900	/* a write lands in B's frame only */
	mov FRAME_B + 0x900, %eax
	EXPECT %eax, 0x3333, 25
	mov FRAME_A + 0x900, %eax
	EXPECT %eax, 0, 26

	mov $pd_a, %eax
	mov %eax, %cr3
	mov USER + 0x800, %eax
	EXPECT %eax, 0x1111, 27
	mov USER + 0x900, %eax
	EXPECT %eax, 0, 28
	call USER
	EXPECT %eax, 0xa, 29

	/* Repoint A's entry at frame C: after INVLPG the new frame is seen at once. */
	movl $FRAME_C + 7, pt_a
	invlpg USER
	mov USER + 0x800, %eax
	EXPECT %eax, 0x4444, 30
	EXIT 0
	hlt

	.bss
	.align 4096
pd_a:	.space 4096
pd_b:	.space 4096
pt_id:	.space 4096
pt_a:	.space 4096
pt_b:	.space 4096
#include "common_data.inc"
