/* CPU exceptions through the IDT: #DE, #UD, int3, #GP with a selector error code, #PF with CR2 and error
 * code (paging on, identity map, one page not present). Each handler checks vector-specific frame
 * contents against the faulting instruction's label, prints a line and resumes after the instruction.
 * Exit 0 = all five seen and right; 20+n names the failed check. */
#include "common.inc"
#include "print.inc"
	.text
	.globl _start
_start:
	SETUP
	SET_GATE 0, de_handler
	SET_GATE 3, bp_handler
	SET_GATE 6, ud_handler
	SET_GATE 13, gp_handler
	SET_GATE 14, pf_handler
	/* Paging: page directory entry 0 -> page table identity-mapping 0-4 MiB, page 0x300000 absent. */
	IDENTITY_PT page_table
	movl $0, page_table + (0x300000 >> 12) * 4
	mov $page_table, %eax
	or $3, %eax
	mov %eax, page_dir
	ENABLE_PAGING page_dir
	xor %ecx, %ecx
	.globl fault_de
fault_de:
	div %ecx
	.globl fault_ud
fault_ud:
	ud2
	int3
	.globl after_bp
after_bp:
	mov $0x43, %ax
	.globl fault_gp
fault_gp:
	mov %ax, %ds
	.globl fault_pf
fault_pf:
	mov 0x300000, %eax
	cmpl $0x1F, seen
	jne 3f
	EXIT 0
3:	EXIT 29
	hlt

de_handler:
	cmpl $fault_de, (%esp)
	jne 1f
	addl $2, (%esp)
	orl $1, seen
	PRINT m_de
	iret
1:	EXIT 20
ud_handler:
	cmpl $fault_ud, (%esp)
	jne 1f
	addl $2, (%esp)
	orl $2, seen
	PRINT m_ud
	iret
1:	EXIT 21
bp_handler:
	cmpl $after_bp, (%esp)    /* a trap: EIP after the int3 */
	jne 1f
	orl $4, seen
	PRINT m_bp
	iret
1:	EXIT 22
gp_handler:
	cmpl $0x40, (%esp)        /* error code: selector 0x43 without RPL */
	jne 1f
	cmpl $fault_gp, 4(%esp)
	jne 2f
	add $4, %esp
	addl $2, (%esp)
	orl $8, seen
	PRINT m_gp
	iret
1:	EXIT 23
2:	EXIT 24
pf_handler:
	cmpl $0, (%esp)           /* not present, read, supervisor */
	jne 1f
	cmpl $fault_pf, 4(%esp)
	jne 2f
	mov %cr2, %eax
	cmp $0x300000, %eax
	jne 3f
	add $4, %esp
	addl $5, (%esp)
	orl $16, seen
	PRINT m_pf
	iret
1:	EXIT 25
2:	EXIT 26
3:	EXIT 27

	.data
m_de:	.asciz "exceptions: #DE eip ok\n"
m_ud:	.asciz "exceptions: #UD eip ok\n"
m_bp:	.asciz "exceptions: #BP eip after int3 ok\n"
m_gp:	.asciz "exceptions: #GP err=0x0040 eip ok\n"
m_pf:	.asciz "exceptions: #PF err=0x0000 cr2=0x00300000 eip ok\n"
	.align 4
seen:	.long 0
	.bss
	.align 4096
page_dir:	.space 4096
page_table:	.space 4096
#include "common_data.inc"
