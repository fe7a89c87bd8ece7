/*
 * Runs into the end of RAM (issue 12 item 5): jumps to 1 MiB below the top of the default 64 MiB,
 * where RAM holds zeros, i.e. `add %al, (%eax)` (2 bytes, al = 0 and eax a harmless data address),
 * and executes them until the last one at 0x03fffffe; the fetch at 0x04000000 finds no RAM. Both run
 * modes must stop at the same instruction, cycle and address, and name 0x04000000.
 */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	mov $0x200000, %eax
	mov $0x3F00000, %ebx
	.globl jump_to_zeros
jump_to_zeros:
	jmp *%ebx
#include "common_data.inc"
