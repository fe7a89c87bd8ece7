/* tests/conformance/fpu_nm.c: #NM, device not available (Intel SDM vol. 3A 2.5 CR0.MP/EM/TS, table
 * 2-2, 6.15 interrupt 7): an x87 instruction faults when CR0.EM or CR0.TS is set; WAIT/FWAIT only
 * when both MP and TS are (EM does not affect it); CLTS clears TS. A fault, no error code, EIP the
 * instruction, from ring 0 and ring 3. (#AC is not checked: neither QEMU nor Unicorn raises it,
 * docs/conformance.md.) */
#include "conformance.h"

#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_TS 0x8u

extern char fld_insn[], fwait_insn[], u_fld_insn[];
void k_fninit(void), k_fld(void), k_fwait(void), u_fld(void);
__asm__(".text\n"
	"k_fninit: fninit\n ret\n"
	"k_fld: fld_insn: fld1\n fstp %st(0)\n ret\n"
	"k_fwait: fwait_insn: fwait\n ret\n"
	"u_fld: u_fld_insn: fld1\n fstp %st(0)\n int $0x30\n");

static u32 cr0_get(void) {
	u32 v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void cr0_set(u32 v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v)); }

/* CR0 with MP, EM and TS as given (the rest as it stands). */
static void fpu_bits(u32 bits) { cr0_set((cr0_get() & ~(CR0_MP | CR0_EM | CR0_TS)) | bits); }

static int runs(const char* name, void (*fn)(void)) { return check(name, (u32)try_call(fn), 0); }

static int nm(void) {
	int failed = 0;
	fpu_bits(CR0_MP);
	failed += runs("fninit with EM = TS = 0 runs", k_fninit);
	failed += runs("fld1 with EM = TS = 0 runs", k_fld);
	fpu_bits(CR0_MP | CR0_TS);
	try_call(k_fld);
	failed += check_fault("fld1 with CR0.TS: #NM at the fld1", 7, 0, 0, (u32)fld_insn);
	try_call(k_fwait);
	failed += check_fault("fwait with CR0.MP and TS: #NM", 7, 0, 0, (u32)fwait_insn);
	fpu_bits(CR0_TS);
	failed += runs("fwait with TS but not MP runs", k_fwait);
	__asm__ volatile("clts");
	failed += runs("clts, then fld1 runs", k_fld);
	fpu_bits(CR0_MP | CR0_EM);
	try_call(k_fld);
	failed += check_fault("fld1 with CR0.EM: #NM", 7, 0, 0, (u32)fld_insn);
	failed += runs("fwait with EM (and MP, not TS) runs", k_fwait);
	fpu_bits(CR0_MP | CR0_TS);
	try_user(u_fld, ring3_eflags(0));
	failed += check_fault("fld1 at ring 3 with CR0.TS: #NM", 7, 0, 0, (u32)u_fld_insn);
	failed += check("  5-word frame, CS 0x1b", trap.w[1], 0x1B);
	fpu_bits(CR0_MP);
	return failed;
}

int conformance_main(void) { return nm(); }
