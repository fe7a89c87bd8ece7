/* tests/conformance/io_breakpoints.c: I/O breakpoints (Intel SDM vol. 3B 17.2.4-17.2.5, 17.3.1.2).
 * With CR4.DE set, R/Wn = 10 makes DRn a port number: an IN or OUT whose access (port, width) covers
 * any of the LENn ports from DRn is a #DB trap after the instruction - the port is accessed, EIP is
 * the next instruction - with DR6.Bn set. The port is COM1's scratch register (0x3FF), which both
 * forkscope and QEMU keep, and the POST port 0x80. */
#include "conformance.h"

#define SCR 0x3FF
#define CR4_DE 0x8u

extern char out_after[], in_after[], out80_after[], inb_after[], outw_after[], u_out_after[];
void k_out(void), k_in(void), k_out80(void), k_inb(void), k_outw(void), k_other(void), u_out(void);
__asm__(".text\n"
	"k_out: mov $0x3FF, %dx\n mov $0x5A, %al\n out %al, (%dx)\n out_after: nop\n ret\n"
	"k_in: mov $0x3FF, %dx\n xor %eax, %eax\n in (%dx), %al\n in_after: nop\n ret\n"
	"k_out80: mov $0x11, %al\n out %al, $0x80\n out80_after: nop\n ret\n"
	"k_inb: mov $0x3FF, %dx\n in (%dx), %al\n inb_after: nop\n ret\n"
	"k_outw: mov $0x3FE, %dx\n mov $0x6B6B, %ax\n out %ax, (%dx)\n outw_after: nop\n ret\n"
	"k_other: mov $0x3FD, %dx\n in (%dx), %al\n nop\n ret\n"
	"u_out: mov $0x3FF, %dx\n mov $0x77, %al\n out %al, (%dx)\n u_out_after: int $0x30\n");

static void set_dr(unsigned n, u32 v) {
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	case 6: __asm__ volatile("mov %0, %%dr6" : : "r"(v)); break;
	default: __asm__ volatile("mov %0, %%dr7" : : "r"(v)); break;
	}
}

static void set_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v)); }

/* DR7 fields (SDM vol. 3B figure 17-1): Ln, R/Wn = 10 (I/O), LENn. */
#define L(n) (1u << (2 * (n)))
#define IO(n) (2u << (16 + 4 * (n)))
#define LEN(n, v) ((u32)(v) << (18 + 4 * (n)))

static void arm(unsigned n, u32 port, u32 len_field) {
	set_dr(6, 0);
	set_dr(n, port);
	set_dr(7, L(n) | IO(n) | LEN(n, len_field));
}

static void disarm(void) {
	set_dr(7, 0);
	set_dr(6, 0);
}

static int io_trap(const char* name, void (*fn)(void), u32 after, u32 bits) {
	int failed = 0;
	trap.vector = ~0u;
	try_call(fn);
	disarm();
	failed += check_fault(name, 1, 0, 0, after);
	failed += check("  DR6.Bn", trap.dr6 & 0x400F, bits);
	return failed;
}

int conformance_main(void) {
	int failed = 0;
	set_cr4(CR4_DE);
	outb(SCR, 0);
	arm(0, SCR, 0);
	failed += io_trap("out to a port DR0 names (R/W0 = 10, CR4.DE): #DB after the out", k_out,
			  (u32)out_after, 0x1);
	failed += check("  the port was written", inb(SCR), 0x5A);
	arm(0, SCR, 0);
	failed += io_trap("in from it: #DB after the in", k_in, (u32)in_after, 0x1);
	failed += check("  with the value read in EAX", trap_eax & 0xFF, 0x5A);
	arm(1, 0x80, 0);
	failed += io_trap("out to an immediate port (DR1 = 0x80)", k_out80, (u32)out80_after, 0x2);
	arm(2, 0x3FC, 3);
	failed += io_trap("LEN2 = 4 ports from 0x3fc: in from 0x3ff traps", k_inb, (u32)inb_after, 0x4);
	arm(0, SCR, 0);
	failed += io_trap("a word out to 0x3fe covers 0x3ff: traps", k_outw, (u32)outw_after, 0x1);
	arm(0, SCR, 0);
	failed += check("another port: no trap", (u32)try_call(k_other), 0);
	set_dr(7, IO(0)); /* R/W0 = 10 but L0 = G0 = 0 */
	failed += check("not enabled: no trap", (u32)try_call(k_out), 0);
	arm(0, SCR, 0);
	try_user(u_out, ring3_eflags(3));
	disarm();
	failed += check_fault("out at ring 3 (IOPL 3): #DB after it", 1, 0, 0, (u32)u_out_after);
	failed += check("  from CS 0x1b", trap.w[1], 0x1B);
	set_cr4(0);
	return failed;
}
