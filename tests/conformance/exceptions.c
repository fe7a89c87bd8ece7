/* tests/conformance/exceptions.c: the frame and error code of the exceptions a CPU raises by itself,
 * from ring 0 (3 words: EIP, CS, EFLAGS, after the error code when there is one) and from ring 3
 * (5 words: then ESP and SS, on the TSS.esp0 stack), and whether EIP is the instruction (a fault) or
 * the next one (a trap) (Intel SDM vol. 3A 6.3-6.15, table 6-1). */
#include "conformance.h"

extern char ss_insn[], de_insn[], of_after[], br_insn[], ud_insn[], np_insn[], gp_insn[], u_de_insn[],
	u_cli_insn[], u_hlt_insn[], u_ud_insn[], u_bp_after[], u_gp_insn[];
void k_ss(void), k_df(void), k_de(void), k_of(void), k_br(void), k_ud(void), k_np(void), k_gp(void);
void u_de(void), u_cli(void), u_hlt(void), u_ud(void), u_bp(void), u_gp(void);
volatile u32 bounds[2] = {10, 20};
__asm__(".text\n"
	"k_de: xor %ecx, %ecx\n mov $1, %eax\n xor %edx, %edx\n de_insn: div %ecx\n ret\n"
	"k_of: mov $0x7fffffff, %eax\n add $1, %eax\n into\n of_after: ret\n"
	"k_br: mov $30, %eax\n br_insn: bound %eax, bounds\n ret\n"
	"k_ud: ud_insn: ud2\n ret\n"
	/* 0x30: a readable code segment marked not present */
	"k_np: mov $0x30, %ax\n np_insn: mov %ax, %ds\n ret\n"
	/* 0x48: past the GDT limit (0x47) */
	"k_gp: mov $0x4b, %ax\n gp_insn: mov %ax, %ds\n ret\n"
	/* 0x40: a data segment marked not present, loaded into SS: #SS, not #NP */
	"k_ss: mov $0x40, %ax\n ss_insn: mov %ax, %ss\n ret\n"
	"u_de: xor %ecx, %ecx\n mov $1, %eax\n xor %edx, %edx\n u_de_insn: div %ecx\n int $0x30\n"
	"u_cli: u_cli_insn: cli\n int $0x30\n"
	"u_hlt: u_hlt_insn: hlt\n int $0x30\n"
	"u_ud: u_ud_insn: ud2\n int $0x30\n"
	"u_bp: int3\n u_bp_after: int $0x30\n"
	/* a ring-0 data selector (DPL 0) loaded at CPL 3: #GP(selector) */
	"u_gp: mov $0x10, %ax\n u_gp_insn: mov %ax, %ds\n int $0x30\n");

/* A ring-0 frame: [error,] EIP, CS 0x08. */
static int frame0(const char* name, int has_error) {
	const volatile u32* w = trap.w + (has_error ? 1 : 0);
	return check(name, w[1], 0x08);
}

/* A ring-3 frame: [error,] EIP, CS 0x1b, EFLAGS, ESP, SS 0x23, at the top of the TSS.esp0 stack. */
static int frame3(const char* name, int has_error) {
	const volatile u32* w = trap.w + (has_error ? 1 : 0);
	if (w[1] != 0x1B) return check(name, w[1], 0x1B);
	if (w[4] != 0x23) return check(name, w[4], 0x23);
	return check(name, (w[2] >> 12) & 3, 0); /* IOPL 0 as entered */
}

int conformance_main(void) {
	int failed = 0;
	const u32 user = ring3_eflags(0);
	try_call(k_de);
	failed += check_fault("#DE (div by 0) at ring 0: fault, no error code", 0, 0, 0, (u32)de_insn);
	failed += frame0("  3-word frame, CS 0x08", 0);
	try_call(k_of);
	failed += check_fault("#OF (into, OF=1) at ring 0: trap, eip after", 4, 0, 0, (u32)of_after);
	try_call(k_br);
	failed += check_fault("#BR (bound, out of range) at ring 0: fault", 5, 0, 0, (u32)br_insn);
	try_call(k_ud);
	failed += check_fault("#UD (ud2) at ring 0: fault, no error code", 6, 0, 0, (u32)ud_insn);
	try_call(k_np);
	failed += check_fault("#NP (mov to ds of a not-present segment): #NP(0x30)", 11, 1, 0x30,
			      (u32)np_insn);
	failed += frame0("  error code, then the 3-word frame", 1);
	try_call(k_gp);
	failed += check_fault("#GP (mov to ds past the GDT limit): #GP(0x48)", 13, 1, 0x48,
			      (u32)gp_insn);
	try_call(k_ss);
	failed += check_fault("#SS (mov to ss of a not-present segment): #SS(0x40)", 12, 1, 0x40,
			      (u32)ss_insn);
	/* #NP while delivering #NP (its gate not present): both contributory, so #DF with error code
	 * 0 (table 6-5); the saved EIP of a #DF is undefined (6.15, interrupt 8). */
	set_gate(11, 0x08, GATE_INT32, 0, 0);
	try_call(k_np);
	reset_gate(11);
	failed += check("#NP while delivering #NP: #DF", trap.vector, 8);
	failed += check("  with error code 0", trap.w[0], 0);
	try_user(u_de, user);
	failed += check_fault("#DE at ring 3: fault", 0, 0, 0, (u32)u_de_insn);
	failed += frame3("  5-word frame with the ring-3 SS:ESP", 0);
	try_user(u_cli, user);
	failed += check_fault("cli at ring 3 with IOPL 0: #GP(0)", 13, 1, 0, (u32)u_cli_insn);
	failed += frame3("  error code, then the 5-word frame", 1);
	try_user(u_hlt, user);
	failed += check_fault("hlt at ring 3: #GP(0)", 13, 1, 0, (u32)u_hlt_insn);
	try_user(u_ud, user);
	failed += check_fault("#UD at ring 3: fault", 6, 0, 0, (u32)u_ud_insn);
	set_gate(3, 0x08, GATE_INT32, 3, 1);
	try_user(u_bp, user);
	reset_gate(3);
	failed += check_fault("int3 at ring 3 through a DPL-3 gate: trap, eip after", 3, 0, 0,
			      (u32)u_bp_after);
	try_user(u_gp, user);
	failed += check_fault("mov of a DPL-0 data selector to ds at ring 3: #GP(0x10)", 13, 1, 0x10,
			      (u32)u_gp_insn);
	failed += check("  frame address: TSS.esp0 less 6 words", trap.esp, (u32)trap_stack_top - 24);
	return failed;
}
