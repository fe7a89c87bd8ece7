/* A reboot the way Linux's native_machine_emergency_restart does it without ACPI: wait for the
 * i8042's input buffer, then command 0xFE pulses RESET. forkscope ends the run with status 12
 * (docs/exit-status.md); the EXIT after it must not run. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
1:	in $0x64, %al
	test $0x02, %al
	jnz 1b
	mov $0xFE, %al
	.globl pulse_reset
pulse_reset:
	out %al, $0x64
	EXIT 3
	hlt
#include "common_data.inc"
