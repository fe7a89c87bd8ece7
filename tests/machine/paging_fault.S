/*
 * #PF for a page above RAM that the tables do not map (emu/paging.hpp, guard pages): a read and then
 * a write of USER (1 GiB) each raise #PF with CR2 = the address and the SDM's error code (not present,
 * read 0 / write 2, supervisor), at the faulting instruction; the handler maps the page (frame 0x200000)
 * and irets, and the retried access reaches the frame. Exit 0 when all holds, 20+n for check n.
 */
#include "common.inc"
	.set USER, 0x40000000
	.set FRAME, 0x200000

	.text
	.globl _start
_start:
	SETUP
	SET_GATE 14, pf_handler
	IDENTITY_PT pt_id
	mov $pt_id + 3, %eax
	mov %eax, pd
	movl $pt_u + 7, pd + (USER >> 22) * 4	/* the table exists; its entries are not present */
	movl $0x5a5a, FRAME + 0x10
	ENABLE_PAGING pd
	.globl read_fault
read_fault:
	mov USER + 0x10, %eax
	EXPECT %eax, 0x5a5a, 21
	cmpl $1, pf_count
	jne 9f
	cmpl $USER + 0x10, last_cr2
	jne 8f
	cmpl $0, last_error
	jne 7f
	cmpl $read_fault, last_eip
	jne 6f
	/* Unmap again (INVLPG), then write: not present, write = error code 2. */
	movl $0, pt_u
	invlpg USER
	.globl write_fault
write_fault:
	movl $0x7777, USER + 0x20
	mov FRAME + 0x20, %eax
	EXPECT %eax, 0x7777, 22
	cmpl $2, pf_count
	jne 9f
	cmpl $USER + 0x20, last_cr2
	jne 8f
	cmpl $2, last_error
	jne 7f
	cmpl $write_fault, last_eip
	jne 6f
	EXIT 0
9:	EXIT 23
8:	EXIT 24
7:	EXIT 25
6:	EXIT 26
	hlt

pf_handler:
	incl pf_count
	push %eax
	mov %cr2, %eax
	mov %eax, last_cr2
	mov 4(%esp), %eax		/* the error code */
	mov %eax, last_error
	mov 8(%esp), %eax		/* the faulting EIP */
	mov %eax, last_eip
	movl $FRAME + 7, pt_u		/* map the page; not present before: no INVLPG needed */
	pop %eax
	add $4, %esp			/* drop the error code */
	iret

	.data
pf_count:	.long 0
last_cr2:	.long 0
last_error:	.long 0
last_eip:	.long 0
	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
pt_u:	.space 4096
#include "common_data.inc"
