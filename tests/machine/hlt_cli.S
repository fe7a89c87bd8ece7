/* HLT with interrupts disabled: a dead CPU. forkscope must stop with "halted with interrupts disabled". */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	cli
	.globl dead_end
dead_end:
	hlt
#include "common_data.inc"
