/*
 * Copy-on-write as the kernel does it, without the kernel: a write to a present, read-only page above
 * RAM (USER, 1 GiB) whose translation the CPU already holds from a read.
 *   0. CR0.WP clear: a ring-0 write to the read-only page does not fault and lands in its frame
 *      (Intel SDM vol. 3A, 2.5 "CR0.WP", 4.6 "Access rights": supervisor writes ignore R/W then).
 *   1. CR0.WP set: the same write from ring 0 raises #PF with CR2 = the address, error code 3
 *      (present | write, supervisor; SDM 4.7) at the writing instruction. The handler copies the
 *      page to FRAME_B, points the pte at it writable and runs INVLPG; the retried write must land
 *      in FRAME_B, not in FRAME_A through the stale translation the read made.
 *   2. The pte back to FRAME_A read-only (INVLPG), then from ring 3: a read, then a write raises #PF
 *      with error code 7 (present | write | user); the handler moves the page to FRAME_C writable;
 *      the retried write lands in FRAME_C.
 * FRAME_A keeps its bytes throughout (but for step 0's word). Exit 0 when all holds, 20+n for check n.
 */
#include "common.inc"
	.set USER, 0x40000000
	.set FRAME_A, 0x200000
	.set FRAME_B, 0x201000
	.set FRAME_C, 0x202000
	.set UCODE, 0x1B
	.set UDATA, 0x23

	.text
	.globl _start
_start:
	SETUP
	RING3_SETUP kstack_top
	SET_GATE 14, pf_handler
	SET_GATE 0x80, back_to_ring0
	movw $0xEF00, idt + 0x80 * 8 + 4	/* trap gate, DPL 3 */
	/* 0-4 MiB identity, user-accessible (ring 3 runs this code and stack) */
	IDENTITY_PT pt_id
	mov $pt_id, %edi
1:	orl $4, (%edi)
	add $4, %edi
	cmp $pt_id + 4096, %edi
	jne 1b
	movl $pt_id + 7, pd
	movl $pt_u + 7, pd + (USER >> 22) * 4
	movl $FRAME_A + 5, pt_u		/* present, user, read-only */
	movl $0x1111, FRAME_A + 0x10
	movl $0xaaaa, FRAME_A + 0xff0
	ENABLE_PAGING pd		/* PG; WP clear */
	/* 0. WP clear: the supervisor write goes through. */
	mov USER + 0x10, %eax
	EXPECT %eax, 0x1111, 20
	movl $0x4444, USER + 0x14
	mov FRAME_A + 0x14, %eax
	EXPECT %eax, 0x4444, 21
	cmpl $0, pf_count
	jne 9f
	/* 1. WP set (a CR0 load flushes the TLB), read again so that FRAME_A's translation is held. */
	mov %cr0, %eax
	or $0x00010000, %eax
	mov %eax, %cr0
	mov USER + 0x10, %eax
	EXPECT %eax, 0x1111, 22
	movl $FRAME_B, next_frame
	.globl kernel_write
kernel_write:
	movl $0x2222, USER + 0x10
	cmpl $1, pf_count
	jne 9f
	cmpl $USER + 0x10, last_cr2
	jne 8f
	cmpl $3, last_error
	jne 7f
	cmpl $kernel_write, last_eip
	jne 6f
	mov FRAME_B + 0x10, %eax
	EXPECT %eax, 0x2222, 23
	mov FRAME_B + 0xff0, %eax	/* the handler's copy */
	EXPECT %eax, 0xaaaa, 24
	mov FRAME_A + 0x10, %eax	/* the old frame is untouched */
	EXPECT %eax, 0x1111, 25
	mov USER + 0x10, %eax
	EXPECT %eax, 0x2222, 26
	/* 2. Back to FRAME_A read-only, then ring 3. */
	movl $FRAME_A + 5, pt_u
	invlpg USER
	movl $FRAME_C, next_frame
	push $UDATA
	push $ustack_top
	push $0x202
	push $UCODE
	push $user_main
	iret

	.globl user_main
user_main:
	mov USER + 0x10, %ebx		/* FRAME_A's translation held again */
	.globl user_write
user_write:
	movl $0x3333, USER + 0x10
	mov USER + 0x10, %esi		/* what ring 3 reads back */
	int $0x80

back_to_ring0:
	cmp $0x1111, %ebx
	jne 5f
	cmp $0x3333, %esi
	jne 4f
	cmpl $2, pf_count
	jne 9f
	cmpl $USER + 0x10, last_cr2
	jne 8f
	cmpl $7, last_error
	jne 7f
	cmpl $user_write, last_eip
	jne 6f
	mov FRAME_C + 0x10, %eax
	EXPECT %eax, 0x3333, 27
	mov FRAME_C + 0xff0, %eax
	EXPECT %eax, 0xaaaa, 28
	mov FRAME_A + 0x10, %eax
	EXPECT %eax, 0x1111, 29
	mov FRAME_B + 0x10, %eax	/* step 1's copy is not written either */
	EXPECT %eax, 0x2222, 30
	EXIT 0
9:	EXIT 31
8:	EXIT 32
7:	EXIT 33
6:	EXIT 34
5:	EXIT 35
4:	EXIT 36
	hlt

/* do_wp_page in miniature: copy the page to next_frame, map it writable, INVLPG, retry. */
pf_handler:
	incl pf_count
	pusha
	mov %cr2, %eax
	mov %eax, last_cr2
	mov 32(%esp), %eax		/* the error code, above the 8 pushed registers */
	mov %eax, last_error
	mov 36(%esp), %eax		/* the faulting EIP */
	mov %eax, last_eip
	mov $FRAME_A, %esi
	mov next_frame, %edi
	mov $1024, %ecx
	cld
	rep movsl
	mov next_frame, %eax
	or $7, %eax
	mov %eax, pt_u
	invlpg USER
	popa
	add $4, %esp			/* drop the error code */
	iret

	.data
pf_count:	.long 0
last_cr2:	.long 0
last_error:	.long 0
last_eip:	.long 0
next_frame:	.long 0
	RING3_GDT
	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
pt_u:	.space 4096
	.space 4096
kstack_top:
	.space 4096
ustack_top:
#include "common_data.inc"
