/* RDTSC returns the cycle counter: the test reads EDX:EAX at `after_rdtsc` and compares with the clock. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	mov $1000, %ecx
1:	dec %ecx
	jnz 1b
	rdtsc
	.globl after_rdtsc
after_rdtsc:
	mov %eax, %esi
	mov %edx, %edi
	rdtsc
	.globl after_rdtsc2
after_rdtsc2:
	sub %esi, %eax
	EXIT 0
	hlt
#include "common_data.inc"
