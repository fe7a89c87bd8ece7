/* A triple fault: #GP with an IDT that has no valid entries (limit 0), so the #GP cannot be delivered
 * (-> #DF), and #DF cannot be delivered either (-> triple fault). forkscope must report the chain with
 * CS:EIP and the symbol, and stop with status 3. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	lidt empty_idt
	.globl bad_load
bad_load:
	mov $0x43, %ax     /* selector 0x40 lies beyond the 3-entry GDT: #GP(0x40) */
	mov %ax, %ds
	EXIT 1
	hlt
	.data
empty_idt:
	.word 0
	.long 0
#include "common_data.inc"
