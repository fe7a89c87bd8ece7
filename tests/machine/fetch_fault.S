/*
 * A transfer that completes into a page that is not present: the CPU faults fetching the next
 * instruction, not the transfer, which retired (Intel SDM vol. 3A 6.5: a fault is reported at the
 * instruction that caused it, and an instruction fetch belongs to the instruction fetched).
 * Linux 6.1 does this on every exec: restore_all's IRET to ring 3 lands on a user page the new
 * program has not touched yet, and the #PF comes from the user EIP.
 * 1. IRET (a 5-word frame, ring 0 to ring 3) to CODE, a user page not present; the #PF handler maps
 *    it (its frame holds `int $0x80`), the user code comes back to ring 0 through int $0x80.
 * 2. A taken JZ to CODE2, a page not present (its frame holds `jmp *%ebx`).
 * Each #PF must come with CR2 = EIP = the target. Both timings must count the transfer and charge
 * its cost (IRET's by privilege, the taken branch's extra cycles) before the #PF
 * (tests/timing_test.cpp, tests/machine_test.cpp). Exit 0 when all holds, 20+n for check n.
 */
#include "common.inc"
#define UCODE 0x1B
#define UDATA 0x23
	.set CODE, 0x40000000
	.set CODE2, 0x40001000
	.set FRAME, 0x200000

	.text
	.globl _start
_start:
	SETUP
	RING3_SETUP stack_top
	SET_GATE 14, pf_handler
	SET_GATE 0x80, back_from_user
	movw $0xEE00, idt + 0x80 * 8 + 4	/* DPL 3: ring 3 may INT 0x80 */
	IDENTITY_PT pt_id
	mov $pt_id + 3, %eax
	mov %eax, pd
	movl $pt_u + 7, pd + (CODE >> 22) * 4	/* the table exists; its entries are not present */
	movw $0x80CD, FRAME			/* int $0x80 */
	movw $0xE3FF, FRAME + 0x1000		/* jmp *%ebx */
	ENABLE_PAGING pd
	/* 1: IRET to ring 3 at CODE. */
	mov $after_iret, %ebx
	push $UDATA
	push $ustack_top
	push $0x002
	push $UCODE
	push $CODE
	.globl iret_site
iret_site:
	iret
after_iret:
	cmpl $1, pf_count
	jne 9f
	cmpl $CODE, last_cr2
	jne 8f
	cmpl $CODE, last_eip
	jne 7f
	/* 2: a taken JZ to CODE2. */
	mov $after_jcc, %ebx
	xor %eax, %eax
	.globl jcc_site
jcc_site:
	jz CODE2
	EXIT 27
after_jcc:
	cmpl $2, pf_count
	jne 9f
	cmpl $CODE2, last_cr2
	jne 8f
	cmpl $CODE2, last_eip
	jne 7f
	EXIT 0
9:	EXIT 21
8:	EXIT 22
7:	EXIT 23
	hlt

/* int $0x80 from the user code at CODE: back to ring 0, where step 1 goes on (the frame is
 * dropped: ESP back to TSS.esp0). */
back_from_user:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov $stack_top, %esp
	jmp *%ebx

/* Maps the page CR2 is in to FRAME + its offset in CODE's 4 MiB, and retries. */
pf_handler:
	push %eax
	push %edx
	mov $0x10, %ax
	mov %ax, %ds
	incl pf_count
	mov %cr2, %eax
	mov %eax, last_cr2
	mov 12(%esp), %edx		/* the faulting EIP (above EDX, EAX, the error code) */
	mov %edx, last_eip
	shr $12, %eax
	and $0x3FF, %eax
	mov %eax, %edx
	shl $12, %edx
	add $FRAME + 7, %edx
	mov %edx, pt_u(, %eax, 4)	/* not present before: no INVLPG needed */
	pop %edx
	pop %eax
	add $4, %esp			/* drop the error code */
	iret

	.data
	RING3_GDT
pf_count:	.long 0
last_cr2:	.long 0
last_eip:	.long 0
	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
pt_u:	.space 4096
	.space 4096
ustack_top:
#include "common_data.inc"
