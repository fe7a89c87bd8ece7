/* tests/conformance/debug_regs.c: the debug registers and single steps (Intel SDM vol. 3B 17.2-17.3).
 * An instruction breakpoint is a #DB fault before the instruction (EIP = it) unless EFLAGS.RF is set;
 * a data breakpoint is a #DB trap after the access (EIP = the next instruction); DR6.Bn names the
 * breakpoint, DR6.BS a single step (EFLAGS.TF); MOV DRn above CPL 0 is #GP(0). */
#include "conformance.h"

volatile u32 watched __attribute__((aligned(4)));
extern char bp_target[], rf_target[], user_bp_target[], write_after[], read_after[], step_after[],
	user_mov_dr[], step_dr_after[];
void ring0_bp(void), ring0_rf(void), user_bp(void), ring0_write(void), ring0_read(void),
	ring0_step(void), ring0_step_dr(void), user_dr(void);
__asm__(".text\n"
	"ring0_bp: nop\n bp_target: nop\n ret\n"
	/* IRET to rf_target with RF set: its breakpoint is suppressed once; int $0x31 marks success */
	"ring0_rf: pushf\n orl $0x10000, (%esp)\n push $0x08\n push $rf_target\n iret\n"
	"rf_target: nop\n int $0x31\n"
	"user_bp: nop\n user_bp_target: nop\n int $0x30\n"
	"ring0_write: movl $0x1234, watched\n write_after: nop\n ret\n"
	"ring0_read: mov watched, %eax\n read_after: nop\n ret\n"
	"ring0_step: pushf\n orl $0x100, (%esp)\n popf\n nop\n step_after: nop\n ret\n"
	"ring0_step_dr: pushf\n orl $0x100, (%esp)\n popf\n mov %dr7, %eax\n step_dr_after: nop\n ret\n"
	"user_dr: user_mov_dr: mov %dr7, %eax\n int $0x30\n");

static void set_dr(unsigned n, u32 v) {
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
	case 6: __asm__ volatile("mov %0, %%dr6" : : "r"(v)); break;
	default: __asm__ volatile("mov %0, %%dr7" : : "r"(v)); break;
	}
}

static u32 get_dr6(void) {
	u32 v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

/* DR7 fields (SDM vol. 3B figure 17-1). */
#define L(n) (1u << (2 * (n)))
#define G(n) (2u << (2 * (n)))
#define RW(n, v) ((u32)(v) << (16 + 4 * (n)))
#define LEN(n, v) ((u32)(v) << (18 + 4 * (n)))

static void clear(void) {
	set_dr(7, 0);
	set_dr(6, 0);
}

int conformance_main(void) {
	int failed = 0;
	set_dr(6, 0);
	failed += check("DR6 written 0 reads 0xffff0ff0", get_dr6(), 0xFFFF0FF0);
	/* Instruction breakpoint: a fault before the instruction. */
	set_dr(0, (u32)bp_target);
	set_dr(7, L(0));
	try_call(ring0_bp);
	clear();
	failed += check_fault("instruction breakpoint DR0 (L0): #DB at the instruction", 1, 0, 0,
			      (u32)bp_target);
	failed += check("  DR6.B0, BS clear", trap.dr6 & 0x400F, 0x1);
	set_dr(0, (u32)rf_target);
	set_dr(7, G(0));
	try_call(ring0_rf);
	clear();
	failed += check("EFLAGS.RF suppresses the breakpoint of the instruction IRET returns to",
			trap.vector, 0x31);
	set_dr(1, (u32)user_bp_target);
	set_dr(7, L(1));
	try_user(user_bp, ring3_eflags(0));
	clear();
	failed += check_fault("instruction breakpoint DR1 at ring 3: #DB at the instruction", 1, 0, 0,
			      (u32)user_bp_target);
	failed += check("  from CS 0x1b", trap.w[1], 0x1B);
	failed += check("  DR6.B1", trap.dr6 & 0x400F, 0x2);
	/* Data breakpoints: a trap after the access. */
	watched = 0;
	set_dr(2, (u32)&watched);
	set_dr(7, L(2) | RW(2, 1) | LEN(2, 3));
	try_call(ring0_write);
	failed += check_fault("data write breakpoint DR2: #DB after the store", 1, 0, 0,
			      (u32)write_after);
	failed += check("  DR6.B2", trap.dr6 & 0x400F, 0x4);
	failed += check("  and the store happened", watched, 0x1234);
	failed += check("a write breakpoint ignores a read", (u32)try_call(ring0_read), 0);
	clear();
	set_dr(3, (u32)&watched + 1);
	set_dr(7, L(3) | RW(3, 3) | LEN(3, 0));
	try_call(ring0_read);
	clear();
	failed += check_fault("data read/write breakpoint DR3 on a byte a dword read covers: #DB after",
			      1, 0, 0, (u32)read_after);
	failed += check("  DR6.B3", trap.dr6 & 0x400F, 0x8);
	failed += check("DR7 = 0: no breakpoint", (u32)try_call(ring0_read), 0);
	/* MOV DRn is privileged. */
	try_user(user_dr, ring3_eflags(3));
	failed += check_fault("mov %dr7 at ring 3: #GP(0) at the mov", 13, 1, 0, (u32)user_mov_dr);
	/* TF: POPF sets it; the trap follows the instruction after the POPF. */
	set_dr(6, 0);
	try_call(ring0_step);
	failed += check_fault("single step (TF): #DB after the instruction that follows popf", 1, 0, 0,
			      (u32)step_after);
	failed += check("  DR6.BS", trap.dr6 & 0x400F, 0x4000);
	set_dr(6, 0);
	try_call(ring0_step_dr);
	failed += check_fault("single step over a mov from DR7: #DB after it", 1, 0, 0,
			      (u32)step_dr_after);
	failed += check("  DR6.BS", trap.dr6 & 0x400F, 0x4000);
	return failed;
}
