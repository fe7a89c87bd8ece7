/*
 * INTO both ways: with OF=0 it delivers nothing and costs its own 3 cycles ("no jump"); with OF=1 it
 * raises #OF (vector 4, a trap: the frame's EIP is the next instruction) and costs what INT n costs.
 * tests/machine_test.cpp times the labelled instructions in both modes.
 */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	SET_GATE 4, of_handler
	xor %eax, %eax			/* OF=0 */
	.globl into_not_taken
into_not_taken:
	into
	.globl after_not_taken
after_not_taken:
	mov $0x7fffffff, %eax
	add $1, %eax			/* OF=1 */
	.globl into_taken
into_taken:
	into
	.globl after_taken
after_taken:
	cmpl $1, of_count
	jne 1f
	EXIT 0
1:	EXIT 1
	hlt

of_handler:
	incl of_count
	iret

	.data
of_count:
	.long 0
#include "common_data.inc"
