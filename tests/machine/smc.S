/*
 * Code rewritten in place: the block at `patched` is run 1000 times as `add %ecx, %eax; nop` (2 cycles
 * on a 486) and 1000 times as `imul %ecx, %eax` (the same 3 bytes, 13-42 cycles), alternating every
 * 100 iterations. Unicorn retranslates the changed block; forkscope's block cache must price the code
 * that actually ran, so fast mode charges the same cycles as per-instruction mode (which decodes every
 * instruction afresh). The ending EAX proves both versions really ran.
 */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	xor %eax, %eax
	mov $3, %ecx
	mov $20, %edi			/* 20 rounds of 100 */
round:
	mov $100, %esi
patched_loop:
	.globl patched
patched:
	add %ecx, %eax			/* 01 c8: rewritten to 0f af c1 (imul %ecx, %eax) and back */
	nop
	and $0xffff, %eax
	dec %esi
	jnz patched_loop
	/* flip the 3 bytes at `patched` */
	cmpb $0x01, patched
	je 1f
	movw $0xc801, patched
	movb $0x90, patched+2
	jmp 2f
1:	movw $0xaf0f, patched
	movb $0xc1, patched+2
2:	dec %edi
	jnz round
	.globl smc_done
smc_done:
	EXIT 0
	hlt
#include "common_data.inc"
