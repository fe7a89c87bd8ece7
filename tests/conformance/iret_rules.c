/* tests/conformance/iret_rules.c: IRET in protected mode (Intel SDM vol. 2A "IRET/IRETD" pseudocode,
 * PROTECTED-MODE-RETURN, RETURN-TO-OUTER-PRIVILEGE-LEVEL, TASK-RETURN). The return CS: null is
 * #GP(0); past the GDT, not code, RPL below CPL, or a non-conforming one whose DPL differs from its
 * RPL, #GP(selector); not present, #NP(selector). Returning outward, the SS popped: null #GP(0); an
 * RPL or DPL other than the new CPL, or not writable data, #GP(selector); not present,
 * #SS(selector). Every one is a fault at the IRET. Then the data segment registers that the new CPL
 * may not use (data or non-conforming code with DPL < CPL) are nulled; IOPL and IF change only as
 * CPL and IOPL allow. With EFLAGS.NT set, IRET is a task return to the TSS named by the back link. */
#include "conformance.h"

extern char k_iret_insn[], u_iret_insn[], u_segs_start[], task_return_insn[], task_return_next[],
	u_flags_after[];
void k_iret(void), u_iret(void), k_iret_segs(void), u_segs(void), k_task_return(void),
	task2_entry(void), u_flags(void);
/* The frame k_iret / u_iret push: EIP, CS, EFLAGS, ESP, SS (the last two only popped when the
 * return is to an outer level). */
volatile u32 frame[5];
volatile u16 segs[4];
volatile u32 flags_seen, task2_tr, task2_eflags;
__asm__(".text\n"
	"k_iret: push frame + 16\n push frame + 12\n push frame + 8\n push frame + 4\n push frame\n"
	" k_iret_insn: iret\n"
	"u_iret: push %ss:frame + 16\n push %ss:frame + 12\n push %ss:frame + 8\n push %ss:frame + 4\n"
	" push %ss:frame\n u_iret_insn: iret\n"
	/* DS 0x10 (ring-0 data), ES 0x23 (ring-3 data), FS 0x08 (ring-0 code, readable), GS 0x38 (a
	 * conforming code segment after set_ring3_gate): to ring 3 at u_segs */
	"k_iret_segs: mov $0x23, %ax\n mov %ax, %es\n mov $0x08, %ax\n mov %ax, %fs\n"
	" mov $0x38, %ax\n mov %ax, %gs\n jmp k_iret\n"
	"u_segs: u_segs_start: mov %ds, %ss:segs\n mov %es, %ss:segs + 2\n mov %fs, %ss:segs + 4\n"
	" mov %gs, %ss:segs + 6\n int $0x30\n"
	/* IRET to ring 3 itself with IOPL 3 and IF in the image */
	"u_flags: push $0x3202\n push $0x1b\n push $u_flags_after\n iret\n"
	"u_flags_after: pushf\n pop %eax\n mov %eax, %ss:flags_seen\n int $0x30\n"
	"k_task_return: pushf\n orl $0x4000, (%esp)\n popf\n task_return_insn: iret\n"
	"task_return_next: int $0x32\n"
	"task2_entry: str %eax\n mov %eax, task2_tr\n pushf\n pop %eax\n mov %eax, task2_eflags\n"
	" int $0x31\n");

static void set_frame(u32 eip, u32 cs, u32 eflags, u32 esp, u32 ss) {
	frame[0] = eip;
	frame[1] = cs;
	frame[2] = eflags;
	frame[3] = esp;
	frame[4] = ss;
}

static int from_ring0(const char* name, u32 cs, unsigned vector, u32 error) {
	set_frame((u32)u_segs_start, cs, 0x2, 0x300000, 0x23);
	try_call(k_iret);
	return check_fault(name, vector, 1, error, (u32)k_iret_insn);
}

static int to_ring3_ss(const char* name, u32 ss, unsigned vector, u32 error) {
	set_frame((u32)u_segs_start, 0x1B, 0x2, 0x300000, ss);
	try_call(k_iret);
	return check_fault(name, vector, 1, error, (u32)k_iret_insn);
}

static int return_cs(void) {
	int failed = 0;
	failed += from_ring0("iret with CS null: #GP(0)", 0x0, 13, 0);
	failed += from_ring0("iret with CS past the GDT limit: #GP(0x48)", 0x48, 13, 0x48);
	failed += from_ring0("iret with CS a data segment: #GP(0x10)", 0x10, 13, 0x10);
	failed += from_ring0("iret with CS RPL 0 but DPL 3: #GP(0x18)", 0x18, 13, 0x18);
	failed += from_ring0("iret with CS not present: #NP(0x30)", 0x30, 11, 0x30);
	set_frame((u32)u_segs_start, 0x08, 0x2, 0, 0);
	try_user(u_iret, ring3_eflags(0));
	failed += check_fault("iret at ring 3 to CS RPL 0: #GP(0x08)", 13, 1, 0x08, (u32)u_iret_insn);
	return failed;
}

static int return_ss(void) {
	int failed = 0;
	/* 0x40 as a not-present ring-3 data segment (boot.S has it at DPL 0) */
	static const u8 np3[8] = {0xFF, 0xFF, 0, 0, 0, 0x72, 0xCF, 0};
	extern u8 gdt[];
	unsigned i;
	failed += to_ring3_ss("iret to ring 3 with SS null: #GP(0)", 0x3, 13, 0);
	failed += to_ring3_ss("iret to ring 3 with SS RPL 0: #GP(0x20)", 0x20, 13, 0x20);
	failed += to_ring3_ss("iret to ring 3 with SS a DPL-0 segment: #GP(0x10)", 0x13, 13, 0x10);
	failed += to_ring3_ss("iret to ring 3 with SS a code segment: #GP(0x18)", 0x1B, 13, 0x18);
	for (i = 0; i < 8; ++i) gdt[0x40 + i] = np3[i];
	failed += to_ring3_ss("iret to ring 3 with SS not present: #SS(0x40)", 0x43, 12, 0x40);
	return failed;
}

static int data_segments(void) {
	int failed = 0;
	set_ring3_gate(0x80); /* 0x38 becomes a conforming code segment */
	reset_gate(0x80);
	set_frame((u32)u_segs, 0x1B, 0x2, 0x300000, 0x23);
	try_call(k_iret_segs);
	failed += check("iret to ring 3 runs there", trap.vector, USER_DONE_VECTOR);
	failed += check("  DS (ring-0 data) nulled", segs[0], 0);
	failed += check("  ES (ring-3 data) kept", segs[1], 0x23);
	failed += check("  FS (ring-0 non-conforming code) nulled", segs[2], 0);
	failed += check("  GS (conforming code) kept", segs[3], 0x38);
	try_user(u_flags, ring3_eflags(0));
	failed += check("iret at ring 3 leaves IOPL 0 and IF clear", flags_seen & 0x3200, 0);
	return failed;
}

/* A second TSS for the task return, in GDT entry 0x40, marked busy as a task that called us would
 * have left it (SDM vol. 3A 7.2.2, 7.4). */
static u8 tss2[0x68] __attribute__((aligned(16)));
static u8 task2_stack[1024] __attribute__((aligned(16)));

static void tss2_descriptor(u8 type) {
	extern u8 gdt[];
	u32 base = (u32)tss2;
	u8* d = gdt + 0x40;
	d[0] = 0x67;
	d[1] = 0;
	d[2] = (u8)base;
	d[3] = (u8)(base >> 8);
	d[4] = (u8)(base >> 16);
	d[5] = (u8)(0x80 | type);
	d[6] = 0;
	d[7] = (u8)(base >> 24);
}

static void put32(u8* p, u32 v) { *(volatile u32*)p = v; }

static int task_return(void) {
	int failed = 0;
	extern u8 gdt[];
	unsigned i;
	for (i = 0; i < sizeof tss2; ++i) tss2[i] = 0;
	put32(tss2 + 0x20, (u32)task2_entry); /* EIP */
	put32(tss2 + 0x24, 0x2);              /* EFLAGS */
	put32(tss2 + 0x38, (u32)task2_stack + sizeof task2_stack); /* ESP */
	put32(tss2 + 0x4C, 0x08);                                  /* CS */
	for (i = 0; i < 5; ++i)
		if (i != 1) put32(tss2 + 0x48 + 4 * i, 0x10); /* ES, SS, DS, FS, GS */
	put32(tss, 0);                                         /* back link: null */
	try_call(k_task_return);
	failed += check_fault("iret with NT and a null back link: #TS(0)", 10, 1, 0, (u32)task_return_insn);
	tss2_descriptor(0x9);
	put32(tss, 0x40);
	try_call(k_task_return);
	failed += check_fault("  a back link to an available TSS: #TS(0x40)", 10, 1, 0x40,
			      (u32)task_return_insn);
	tss2_descriptor(0xB);
	try_call(k_task_return);
	failed += check("  a back link to a busy TSS: a task switch to it", trap.vector, 0x31);
	failed += check("  TR is its selector", task2_tr & 0xFFFF, 0x40);
	failed += check("  EFLAGS from it, NT clear", task2_eflags & 0x4000, 0);
	failed += check("  the old TSS saved the EIP after the iret", *(volatile u32*)(tss + 0x20),
			(u32)task_return_next);
	failed += check("  and is no longer busy", gdt[0x28 + 5] & 0xF, 0x9);
	for (i = 0; i < 8; ++i) gdt[0x40 + i] = 0;
	tss_set_limit(0x67);
	return failed;
}

int conformance_main(void) {
	int failed = 0;
	failed += return_cs();
	failed += return_ss();
	failed += data_segments();
	failed += task_return();
	return failed;
}
