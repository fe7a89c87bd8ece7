/* The load/store bench guest for scripts/bench (issue 11): the PIT ticks at HZ=1000 as in loop.S, and
 * the main loop runs LOOP_ITERATIONS iterations of 9 instructions, 3 stores and 3 loads to a data page
 * of its own (not the code's page, so no self-modifying-code check is involved), the shape of kernel
 * work that made Unicorn 2.0.1 slow. unicorn_baseline runs the same loop body on a bare Unicorn. */
#include "common.inc"
#define LOOP_ITERATIONS 20000000
	.text
	.globl _start
_start:
	SETUP
	TICKING 1193
	mov $LOOP_ITERATIONS, %ecx
	xor %eax, %eax
	.globl bench_loop
bench_loop:
	mov %eax, data
	mov data + 4, %ebx
	add %ebx, %eax
	mov %eax, data + 8
	mov data + 12, %edx
	mov %edx, data + 4
	mov data + 8, %esi
	dec %ecx
	jnz bench_loop
	.globl bench_loop_end
bench_loop_end:
	cli
	EXIT 0
	hlt
	TICK_HANDLER
	.data
	.align 4096
	.globl data
data:	.space 4096
#include "common_data.inc"
