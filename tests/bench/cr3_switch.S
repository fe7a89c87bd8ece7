/*
 * The host cost of a context switch between two address spaces (scripts/bench): 5000 rounds of
 * loading directory A, touching the user page USER (1 GiB, above RAM: aliased on first touch),
 * loading directory B and touching it again. Every CR3 load drops the alias and the next touch maps
 * the other frame (emu/paging.hpp), so each switch pays one unmap and one map in Unicorn.
 */
#include "common.inc"
	.set USER, 0x40000000
	.set ROUNDS, 5000
	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_id
	mov $pt_id + 3, %eax
	mov %eax, pd_a
	mov %eax, pd_b
	movl $pt_a + 7, pd_a + (USER >> 22) * 4
	movl $pt_b + 7, pd_b + (USER >> 22) * 4
	movl $0x200007, pt_a
	movl $0x300007, pt_b
	mov $pd_a, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	mov $ROUNDS, %ecx
	.globl bench_switch_loop
bench_switch_loop:
	mov $pd_a, %eax
	mov %eax, %cr3
	incl USER
	mov $pd_b, %eax
	mov %eax, %cr3
	incl USER
	dec %ecx
	jnz bench_switch_loop
	/* Each frame's counter saw every round. */
	cmpl $ROUNDS, 0x200000
	jne 2f
	cmpl $ROUNDS, 0x300000
	jne 2f
	EXIT 0
2:	EXIT 1
	hlt

	.bss
	.align 4096
pd_a:	.space 4096
pd_b:	.space 4096
pt_id:	.space 4096
pt_a:	.space 4096
pt_b:	.space 4096
#include "common_data.inc"
