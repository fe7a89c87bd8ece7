/*
 * The same linear code address, the same code size, different code: linear page USER (1 GiB) is
 * frame A under one page directory and frame B under the other, A holding `add %ecx, %eax; nop;
 * ret` (1 + 1 cycles before the RET on a 486) and B `imul %ecx, %eax; ret` (13-42), four bytes each.
 * The guest alternates CR3 and calls USER ten times each way, then repoints one directory's entry
 * at the other frame with INVLPG and back, ten times more. Fast mode's block cache remembers where
 * in RAM a block's code lay only until the paging registers may have changed (emu/code_fetch.hpp,
 * generation): it must price the code that ran, so both timings charge the same cycles
 * (tests/timing_test.cpp). The ending EAX proves each version ran when it should.
 * Exit 0 when it holds, 21 when not.
 */
#include "common.inc"
	.set USER, 0x40000000
	.set FRAME_A, 0x200000
	.set FRAME_B, 0x300000

	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_id
	movl $0xc390c801, FRAME_A	/* 01 c8 90 c3: add %ecx, %eax; nop; ret */
	movl $0xc3c1af0f, FRAME_B	/* 0f af c1 c3: imul %ecx, %eax; ret */
	mov $pt_id + 3, %eax
	mov %eax, pd_a
	mov %eax, pd_b
	movl $pt_a + 7, pd_a + (USER >> 22) * 4
	movl $pt_b + 7, pd_b + (USER >> 22) * 4
	movl $FRAME_A + 7, pt_a
	movl $FRAME_B + 7, pt_b
	ENABLE_PAGING pd_a
	mov $1, %eax
	mov $3, %ecx
	mov $10, %esi
	.globl by_cr3
by_cr3:				/* eax = (eax + 3) * 3, each half under its own directory */
	mov $pd_a, %edx
	mov %edx, %cr3
	call USER
	mov $pd_b, %edx
	mov %edx, %cr3
	call USER
	dec %esi
	jnz by_cr3

	mov $pd_a, %edx
	mov %edx, %cr3
	mov $10, %esi
	.globl by_invlpg
by_invlpg:			/* eax = eax * 3 + 3: A's entry names B, then A again */
	movl $FRAME_B + 7, pt_a
	invlpg USER
	call USER
	movl $FRAME_A + 7, pt_a
	invlpg USER
	call USER
	dec %esi
	jnz by_invlpg
	EXPECT %eax, 0x770be3a1, 21
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
