/* tests/conformance/int_faults.c: faults raised while delivering INT n, INT3 and INTO (Intel SDM vol. 3A
 * 6.12.1.1 and 6.13, vol. 2A "INT n/INTO/INT3/INT1"). Each is a fault: the frame's EIP is the INT
 * instruction itself, not the next one, and the error code names the IDT entry (vector * 8 + 2, EXT
 * clear for a software interrupt) or the handler's code selector. */
#include "conformance.h"

/* Code run by the checks; each label marks the instruction that must fault. */
extern char int41_insn[], int3_insn[], into_insn[], int42_insn[], int43_insn[], int43_after[],
	int50_insn[], int44_insn[], int45_insn[], int46_insn[], int47_insn[], int48_insn[],
	int3_ok_insn[], int3_ok_after[];
void user_int41(void), user_int3(void), user_into(void), user_int43(void);
void ring0_int42(void), ring0_int50(void), ring0_int44(void), ring0_int45(void),
	ring0_int46(void), ring0_int47(void), ring0_int48(void), ring0_int3(void);
__asm__(".text\n"
	"user_int41: int41_insn: int $0x41\n int $0x30\n"
	"user_int3: int3_insn: int3\n int $0x30\n"
	/* 0x7fffffff + 1 sets OF */
	"user_into: mov $0x7fffffff, %eax\n add $1, %eax\n into_insn: into\n int $0x30\n"
	"user_int43: int43_insn: int $0x43\n int43_after: int $0x30\n"
	"ring0_int42: int42_insn: int $0x42\n ret\n"
	"ring0_int50: int50_insn: int $0x50\n ret\n"
	"ring0_int44: int44_insn: int $0x44\n ret\n"
	"ring0_int45: int45_insn: int $0x45\n ret\n"
	"ring0_int46: int46_insn: int $0x46\n ret\n"
	"ring0_int47: int47_insn: int $0x47\n ret\n"
	"ring0_int48: int48_insn: int $0x48\n ret\n"
	"ring0_int3: int3_ok_insn: int3\n int3_ok_after: ret\n");

struct dtr {
	u16 limit;
	u32 base;
} __attribute__((packed));
extern struct dtr idt_desc;

static void lidt_limit(u16 limit) {
	struct dtr d = idt_desc;
	d.limit = limit;
	__asm__ volatile("lidt %0" : : "m"(d));
}

int conformance_main(void) {
	int failed = 0;
	const u32 user = ring3_eflags(0);
	/* Gate DPL < CPL: #GP(vector * 8 + 2) at the instruction (6.12.1.1). */
	try_user(user_int41, user);
	failed += check_fault("int 0x41 from ring 3 through a DPL-0 gate: #GP(0x20a) at the int", 13,
			      1, 0x20A, (u32)int41_insn);
	failed += check("int 0x41 #GP frame: CS is the ring-3 selector", trap.w[2], 0x1B);
	try_user(user_int3, user);
	failed += check_fault("int3 from ring 3 through a DPL-0 gate: #GP(0x1a) at the int3", 13, 1,
			      0x1A, (u32)int3_insn);
	try_user(user_into, user);
	failed += check_fault("into (OF=1) from ring 3 through a DPL-0 gate: #GP(0x22) at the into",
			      13, 1, 0x22, (u32)into_insn);
	/* A DPL-3 gate delivers; INT n is a trap: EIP after it, the 5-word frame. */
	set_gate(0x43, 0x08, GATE_INT32, 3, 1);
	try_user(user_int43, user);
	failed += check_fault("int 0x43 from ring 3 through a DPL-3 gate: delivered, eip after it",
			      0x43, 0, 0, (u32)int43_after);
	failed += check("int 0x43 frame: ring-3 SS pushed", trap.w[4], 0x23);
	reset_gate(0x43);
	try_call(ring0_int3);
	failed += check_fault("int3 at ring 0: delivered, eip after it", 3, 0, 0, (u32)int3_ok_after);

	/* Gate not present: #NP(vector * 8 + 2). */
	set_gate(0x42, 0x08, GATE_INT32, 0, 0);
	try_call(ring0_int42);
	failed += check_fault("int 0x42 through a not-present gate: #NP(0x212) at the int", 11, 1,
			      0x212, (u32)int42_insn);
	reset_gate(0x42);
	/* Vector past the IDT limit: #GP(vector * 8 + 2). */
	lidt_limit(0x50 * 8 - 1);
	try_call(ring0_int50);
	lidt_limit(256 * 8 - 1);
	failed += check_fault("int 0x50 past the IDT limit: #GP(0x282) at the int", 13, 1, 0x282,
			      (u32)int50_insn);
	/* Not an interrupt or trap gate (type 0xC, a call gate): #GP(vector * 8 + 2). */
	set_gate(0x44, 0x08, 0xC, 0, 1);
	try_call(ring0_int44);
	reset_gate(0x44);
	failed += check_fault("int 0x44 through a call-gate type: #GP(0x222) at the int", 13, 1, 0x222,
			      (u32)int44_insn);
	/* The handler's code segment (6.12.1): null, past the GDT, not code, not present. */
	set_gate(0x45, 0x00, GATE_INT32, 0, 1);
	try_call(ring0_int45);
	reset_gate(0x45);
	failed += check_fault("int 0x45 with a null handler CS: #GP(0) at the int", 13, 1, 0,
			      (u32)int45_insn);
	set_gate(0x46, 0x80, GATE_INT32, 0, 1);
	try_call(ring0_int46);
	reset_gate(0x46);
	failed += check_fault("int 0x46 with CS past the GDT limit: #GP(0x80) at the int", 13, 1, 0x80,
			      (u32)int46_insn);
	set_gate(0x47, 0x38, GATE_INT32, 0, 1);
	try_call(ring0_int47);
	reset_gate(0x47);
	failed += check_fault("int 0x47 with a data segment as CS: #GP(0x38) at the int", 13, 1, 0x38,
			      (u32)int47_insn);
	set_gate(0x48, 0x30, GATE_INT32, 0, 1);
	try_call(ring0_int48);
	reset_gate(0x48);
	failed += check_fault("int 0x48 with a not-present CS: #NP(0x30) at the int", 11, 1, 0x30,
			      (u32)int48_insn);
	return failed;
}
