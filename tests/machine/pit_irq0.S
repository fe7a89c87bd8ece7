/* PIT channel 0 at LATCH 1193 (HZ 1000), PIC remapped to 0x20, the CPU idling in `sti; hlt`. The handler
 * counts ticks and sends EOI; after 1001 ticks the guest prints and exits. tests/machine_test.cpp checks
 * exactly 1000 IRQ0 deliveries fall in the first 10^8 cycles (one guest second at 100 MHz). */
#include "common.inc"
#include "print.inc"
	.text
	.globl _start
_start:
	SETUP
	SET_GATE 0x20, timer_interrupt
	TIMER 1193
	.globl cpu_idle
cpu_idle:
	sti
	hlt
	cli
	cmpl $1001, jiffies
	jb cpu_idle
	PRINT msg
	EXIT 0
	hlt
	.globl timer_interrupt
timer_interrupt:
	incl jiffies
	push %eax
	mov $0x20, %al
	out %al, $0x20     /* non-specific EOI */
	pop %eax
	iret
	.data
msg:	.asciz "pit_irq0: 1001 ticks, each acknowledged\n"
	.align 4
	.globl jiffies
jiffies: .long 0
#include "common_data.inc"
