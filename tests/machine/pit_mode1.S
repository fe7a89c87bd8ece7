/* Programs PIT BCD counting (control word 0x35), which forkscope does not model: the run must end
 * with a one-line "not modelled" stop (status 10, forkscope's limit), not a crash. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	mov $0x35, %al
	.globl program_mode1
program_mode1:
	out %al, $0x43
	EXIT 0
	hlt
#include "common_data.inc"
