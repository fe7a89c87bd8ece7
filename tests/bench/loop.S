/* A CPU-bound guest for scripts/bench: the PIT ticks at HZ=1000 through the remapped PIC, the handler
 * counts ticks and sends EOI, and the main loop runs LOOP_ITERATIONS iterations of register ALU work with
 * interrupts on, so the figure includes exact interrupt delivery. unicorn_baseline runs the same loop
 * body (bench_loop .. bench_loop_end) on a bare Unicorn with no hooks for the ratio. Set-up macros are the
 * machine-test guests' (tests/machine/common.inc). */
#include "common.inc"
#define LOOP_ITERATIONS 50000000
	.text
	.globl _start
_start:
	SETUP
	TICKING 1193
	mov $LOOP_ITERATIONS, %ecx
	xor %eax, %eax
	mov $0x12345678, %ebx
	mov $0x9ABCDEF0, %edx
	.globl bench_loop
bench_loop:
	add %ebx, %eax
	xor %eax, %edx
	rol $3, %ebx
	sub %edx, %ebx
	lea 1(%eax,%edx), %esi
	or %esi, %edi
	dec %ecx
	jnz bench_loop
	.globl bench_loop_end
bench_loop_end:
	cli
	EXIT 0
	hlt
	TICK_HANDLER
	.data
#include "common_data.inc"
