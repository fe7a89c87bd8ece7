/* IF turned back on while the timer's IRQ is pending: each pass of the loop runs with interrupts off
 * for longer than a PIT period (count 61), so IRQ0 waits at the PIC, then sets IF again mid-block by
 * one of the four ways an instruction can (STI, POPFD, POPF with an operand-size prefix, IRET to the
 * same privilege) and runs on. Trace mode remembers that IF was 0 instead of reading EFLAGS at every
 * boundary (emu/insn_timing.hpp, if_clear_); the timing test runs this in fast and in trace mode and
 * requires every tick at the same boundary. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	TICKING 61
	mov $400, %ecx
	xor %eax, %eax
loop:
	cli
	mov $2000, %edx
1:	add %edx, %eax		/* longer than a PIT period with IF=0: IRQ0 becomes pending */
	rol $3, %eax
	dec %edx
	jnz 1b
	mov %ecx, %edx
	and $3, %edx
	cmp $1, %edx
	je by_popfd
	cmp $2, %edx
	je by_popfw
	cmp $3, %edx
	je by_iret
	sti			/* IF=1 after the next instruction (the STI shadow) */
	add $1, %eax
	jmp next
by_popfd:
	pushf
	orl $0x200, (%esp)
	popf			/* IF=1 at once */
	add $2, %eax
	jmp next
by_popfw:
	pushfw
	orw $0x200, (%esp)
	popfw			/* 66 9D */
	add $3, %eax
	jmp next
by_iret:
	pushf
	orl $0x200, (%esp)
	push %cs
	push $1f
	iret			/* same privilege: EFLAGS, CS, EIP popped */
1:	add $4, %eax
next:
	add $5, %eax
	xor %ecx, %eax
	dec %ecx
	jnz loop
	cli
	mov ticks, %eax
	cmp $100, %eax
	jb 2f
	EXIT 0
2:	EXIT 1
	hlt
	TICK_HANDLER
#include "common_data.inc"
