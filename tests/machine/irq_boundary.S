/* Timer interrupts landing inside long blocks: a fast PIT (count 97) against a loop whose blocks are
 * long and uneven, so most deadlines fall mid-block. The machine test runs it in fast and in
 * per-instruction mode and requires the same delivery boundaries, instruction and cycle counts. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	TICKING 97
	mov $100000, %ecx
	xor %eax, %eax
	.globl work
work:
	add $3, %eax
	imul $7, %eax, %edx
	xor %edx, %eax
	shl $1, %edx
	lea 4(%eax,%edx,2), %ebx
	mov %ebx, scratch
	add scratch, %eax
	test $1, %eax
	jz 1f
	sub $5, %eax
	rol $5, %eax
	mov %eax, scratch+4
1:	movzx %al, %ebx
	add %ebx, %edx
	xchg %eax, %edx
	dec %ecx
	jnz work
	cli
	mov ticks, %eax
	cmp $50, %eax
	jb 2f
	EXIT 0
2:	EXIT 1
	hlt
	TICK_HANDLER
	.data
scratch: .long 0, 0
#include "common_data.inc"
