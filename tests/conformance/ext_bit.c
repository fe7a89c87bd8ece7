/* tests/conformance/ext_bit.c: the error code's EXT bit (Intel SDM vol. 3A 6.13). A fault raised while
 * delivering an event external to the program - an external interrupt, or an earlier exception - sets
 * bit 0 of its error code; one raised while delivering INT n, INT3 or INTO clears it. QEMU never sets
 * it: ext_bit.qemu.expected holds QEMU's lines, and docs/conformance.md says why they differ. */
#include "conformance.h"

extern char ud2_insn[], int42_insn[];
void ring0_ud2(void), ring0_int42(void), ring0_wait_irq(void);
__asm__(".text\n"
	"ring0_ud2: ud2_insn: ud2\n ret\n"
	"ring0_int42: int42_insn: int $0x42\n ret\n"
	/* IF=1 until the timer's IRQ0 arrives: its delivery faults, which try_call catches. */
	"ring0_wait_irq: sti\n 1: hlt\n jmp 1b\n");

/* 8259A: ICW1-ICW4 with the master at vectors 0x20-0x27, the slave at 0x28-0x2F; only IRQ0 open.
 * 8254: channel 0 in mode 2, a count of 1193 (about 1 ms). */
static void timer_on(void) {
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, 0x20);
	outb(0xA1, 0x28);
	outb(0x21, 0x04);
	outb(0xA1, 0x02);
	outb(0x21, 0x01);
	outb(0xA1, 0x01);
	outb(0x21, 0xFE);
	outb(0xA1, 0xFF);
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xFF);
	outb(0x40, 1193 >> 8);
}

static void timer_off(void) {
	outb(0x21, 0xFF); /* mask IRQ0 */
	outb(0x20, 0x20); /* non-specific EOI for the IRQ0 in service */
}

int conformance_main(void) {
	int failed = 0;
	/* #UD's gate not present: #NP(6 * 8 + 2 + EXT) at the ud2. (#UD is benign: a contributory
	 * first exception such as #DE would make the #NP a #DF, SDM vol. 3A table 6-5.) */
	set_gate(6, 0x08, GATE_INT32, 0, 0);
	try_call(ring0_ud2);
	reset_gate(6);
	failed += check_fault("#UD through a not-present gate: #NP(0x33), EXT set, at the ud2", 11, 1,
			      0x33, (u32)ud2_insn);
	/* The same for INT n: EXT clear. */
	set_gate(0x42, 0x08, GATE_INT32, 0, 0);
	try_call(ring0_int42);
	reset_gate(0x42);
	failed += check_fault("int 0x42 through a not-present gate: #NP(0x212), EXT clear", 11, 1,
			      0x212, (u32)int42_insn);
	/* #UD's handler CS past the GDT: #GP(0x80 + EXT). */
	set_gate(6, 0x80, GATE_INT32, 0, 1);
	try_call(ring0_ud2);
	reset_gate(6);
	failed += check_fault("#UD with CS past the GDT limit: #GP(0x81), EXT set", 13, 1, 0x81,
			      (u32)ud2_insn);
	/* IRQ0 (vector 0x20) through a not-present gate: #NP(0x20 * 8 + 2 + EXT). */
	set_gate(0x20, 0x08, GATE_INT32, 0, 0);
	timer_on();
	try_call(ring0_wait_irq);
	timer_off();
	reset_gate(0x20);
	failed += check("IRQ0 through a not-present gate: vector #NP", trap.vector, 11);
	failed += check("IRQ0 through a not-present gate: error code 0x103, EXT set", trap.w[0],
			0x103);
	return failed;
}
