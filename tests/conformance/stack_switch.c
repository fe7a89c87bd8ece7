/* tests/conformance/stack_switch.c: the faults of the stack switch a ring-3 to ring-0 transition
 * makes (Intel SDM vol. 2A "INT n" pseudocode INTER-PRIVILEGE-LEVEL-INTERRUPT, vol. 3A 6.12.1,
 * 7.2.1): TSS.ss0:esp0 past the TSS limit is #TS(TSS selector); TSS.ss0 null is #TS(0); past the GDT
 * limit, with an RPL other than 0, a DPL other than 0, or not a writable data segment, #TS(ss0); a
 * not-present one #SS(ss0). Each is raised by a ring-3 int $0x30 (EXT clear: a software interrupt)
 * and delivered through the CPL-3 gate (conformance.h), since delivering it at ring 0 would need
 * the same stack. */
#include "conformance.h"

extern char u_int_insn[];
void u_int(void);
__asm__(".text\n u_int: u_int_insn: int $0x30\n");

static int failed;

#define TSS_SS0 ((volatile u16*)(tss + 8))

static int with_ss0(const char* name, u16 ss0, unsigned vector, u32 error) {
	int n = 0;
	*TSS_SS0 = ss0;
	ring3_repair.addr = (u32)(tss + 8);
	ring3_repair.value = 0x10;
	try_user(u_int, ring3_eflags(0));
	ring3_repair.addr = 0;
	*TSS_SS0 = 0x10;
	n += check(name, ring3_trap.vector, vector);
	n += check("  error code", ring3_trap.w[0], error);
	n += check("  at the int (a fault)", ring3_trap.w[1], (u32)u_int_insn);
	return n;
}

static void limit_checked(void) {
	failed += check("TSS limit 8 (TSS.ss0 outside it): #TS(0x28), the TSS selector",
			ring3_trap.vector, 10);
	failed += check("  error code", ring3_trap.w[0], 0x28);
	__asm__ volatile("outl %0, $0xF4" : : "a"(failed));
	for (;;) continue;
}

int conformance_main(void) {
	set_ring3_gate(10);
	set_ring3_gate(12);
	failed += with_ss0("TSS.ss0 null: #TS(0)", 0x00, 10, 0);
	failed += with_ss0("TSS.ss0 past the GDT limit: #TS(0x50)", 0x50, 10, 0x50);
	failed += with_ss0("TSS.ss0 with RPL 3: #TS(0x10)", 0x13, 10, 0x10);
	failed += with_ss0("TSS.ss0 a DPL-3 data segment: #TS(0x20)", 0x20, 10, 0x20);
	failed += with_ss0("TSS.ss0 a code segment: #TS(0x08)", 0x08, 10, 0x08);
	failed += with_ss0("TSS.ss0 a not-present data segment: #SS(0x40)", 0x40, 12, 0x40);
	failed += check("a valid TSS.ss0 again: the transition works",
			(u32)try_user(u_int, ring3_eflags(0)), 1);
	failed += check("  int 0x30 arrives at ring 0", trap.vector, USER_DONE_VECTOR);
	failed += check("  on the TSS.esp0 stack", trap.esp, (u32)trap_stack_top - 20);
	/* ss0:esp0 are bytes 4-9: a limit of 8 leaves out the last of ss0. Nothing at CPL 3 can
	 * reload TR with the limit back, so this check is the last: its CPL-3 handler ends the run. */
	tss_set_limit(8);
	ring3_then = limit_checked;
	try_user(u_int, ring3_eflags(3));
	failed += check("the CPL-3 handler ends the run", 0, 1);
	return failed;
}
