/*
 * The debug-exit OUT ends the run, and an INT follows it in the same translated block: the run
 * ends at the OUT in both timings, nothing after it is delivered or counted (fast mode's Unicorn
 * still runs the rest of the block, emu/machine_delivery.cpp's hook_interrupt ignores its INT).
 * Linux's /init (guest/linux/init.c) ends this way: outl to the port, then exit(2)'s int $0x80.
 * Exit 0; 30 if the INT's handler ran.
 */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	SET_GATE 0x80, after_exit
	xor %eax, %eax
	.globl exit_out
exit_out:
	out %eax, $0xF4
	int $0x80
	hlt
after_exit:
	EXIT 30
	hlt
#include "common_data.inc"
