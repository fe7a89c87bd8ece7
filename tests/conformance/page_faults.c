/* tests/conformance/page_faults.c: #PF from ring 0 and ring 3 (Intel SDM vol. 3A 4.7, 6.15 interrupt
 * 14). The error code says why: P (bit 0) a protection violation rather than a not-present entry,
 * W/R (bit 1) a write, U/S (bit 2) an access at CPL 3; CR2 holds the linear address; the saved EIP
 * is the faulting instruction. A supervisor write to a read-only page faults only under CR0.WP
 * (4.6.1). Accessed and dirty bits are set by the accesses (4.8). And the faults a ring-3 to ring-0
 * transition raises through paging: the TSS (read for esp0) on a not-present page, and a TSS.esp0
 * stack on one, which faults at the first word pushed, SS at esp0 - 4 (6.12.1). */
#include "conformance.h"

/* Three pages of their own: `page` (changed by each check), `ro` (read-only, user), and `sup`
 * (supervisor only). */
u8 page[4096] __attribute__((aligned(4096)));
u8 ro[4096] __attribute__((aligned(4096)));
u8 sup[4096] __attribute__((aligned(4096)));
/* Two pages for TSS.esp0 stacks: the lower one made not present. */
u8 stack_area[2][4096] __attribute__((aligned(4096)));
/* An address in the third 4-MiB region, which no page-directory entry maps. */
#define UNMAPPED_PDE 0x00900000u
/* An address in the second 4-MiB region (mapped, nothing of the kernel's there). */
#define SECOND_TABLE 0x00400000u

extern char k_read_insn[], k_write_insn[], u_read_insn[], u_write_insn[], k_cross_insn[],
	k_far_insn[], u_far_insn[], u_far_write_insn[], u_int_insn[];
void k_read(void), k_write(void), u_read(void), u_write(void), k_fetch(void), k_cross(void),
	k_far(void), u_far(void), u_far_write(void), u_int(void);
volatile u32 target;
__asm__(".text\n"
	"k_read: mov target, %edx\n k_read_insn: mov (%edx), %eax\n ret\n"
	"k_write: mov target, %edx\n k_write_insn: movl $0x5a5a, (%edx)\n ret\n"
	"k_fetch: mov target, %edx\n call *%edx\n ret\n"
	"k_cross: mov target, %edx\n k_cross_insn: mov -2(%edx), %eax\n ret\n"
	"k_far: k_far_insn: mov 0x00900010, %eax\n ret\n"
	"u_read: mov %ss:target, %edx\n u_read_insn: mov %ss:(%edx), %eax\n int $0x30\n"
	"u_write: mov %ss:target, %edx\n u_write_insn: movl $0x5a5a, %ss:(%edx)\n int $0x30\n"
	"u_far: mov $0x00400010, %edx\n u_far_insn: mov %ss:(%edx), %eax\n int $0x30\n"
	"u_far_write: mov $0x00400010, %edx\n u_far_write_insn: movl $1, %ss:(%edx)\n int $0x30\n"
	/* a ring-3 to ring-0 transition: the TSS and the TSS.esp0 stack are read and written */
	"u_int: u_int_insn: int $0x30\n");

static void set_pte(u32 linear, u32 flags) {
	*pte(linear) = (linear & ~0xFFFu) | flags;
	invlpg(linear);
}

static int pf(const char* name, u32 error, u32 eip, u32 cr2) {
	if (check_fault(name, 14, 1, error, eip)) return 1;
	return check("  CR2 = the linear address", trap.cr2, cr2);
}

static int ring0_pf(const char* name, void (*fn)(void), u32 addr, u32 error, u32 eip) {
	target = addr;
	try_call(fn);
	return pf(name, error, eip, addr);
}

static int ring3_pf(const char* name, void (*fn)(void), u32 addr, u32 error, u32 eip) {
	target = addr;
	try_user(fn, ring3_eflags(0));
	return pf(name, error, eip, addr);
}

static int not_present(void) {
	int failed = 0;
	const u32 a = (u32)page + 0x10;
	set_pte(a, PTE_W | PTE_U); /* P = 0 */
	failed += ring0_pf("read of a not-present page at ring 0: #PF(0)", k_read, a, 0, (u32)k_read_insn);
	failed += ring0_pf("write at ring 0: #PF(2)", k_write, a, 2, (u32)k_write_insn);
	failed += ring3_pf("read at ring 3: #PF(4)", u_read, a, 4, (u32)u_read_insn);
	failed += check("  5-word frame: CS 0x1b", trap.w[2], 0x1B);
	failed += check("  on the TSS.esp0 stack", trap.esp, (u32)trap_stack_top - 24);
	failed += ring3_pf("write at ring 3: #PF(6)", u_write, a, 6, (u32)u_write_insn);
	target = (u32)page;
	try_call(k_fetch);
	failed += pf("instruction fetch from it: #PF(0) at the target", 0, (u32)page, (u32)page);
	target = (u32)page;
	try_call(k_cross);
	failed += pf("a dword read reaching into it from the page below: CR2 = its first byte", 0,
		     (u32)k_cross_insn, (u32)page);
	try_call(k_far);
	failed += pf("read through a not-present page-directory entry: #PF(0)", 0, (u32)k_far_insn,
		     UNMAPPED_PDE + 0x10);
	set_pte(a, PTE_P | PTE_W | PTE_U);
	return failed;
}

static int protection(void) {
	int failed = 0;
	u32 cr0;
	set_pte((u32)sup, PTE_P | PTE_W);
	set_pte((u32)ro, PTE_P | PTE_U);
	failed += ring3_pf("read of a supervisor page at ring 3: #PF(5)", u_read, (u32)sup + 8, 5,
			   (u32)u_read_insn);
	failed += ring3_pf("write of a supervisor page at ring 3: #PF(7)", u_write, (u32)sup + 8, 7,
			   (u32)u_write_insn);
	failed += ring3_pf("write of a read-only page at ring 3: #PF(7)", u_write, (u32)ro + 8, 7,
			   (u32)u_write_insn);
	target = (u32)ro + 8;
	failed += check("read of a read-only page at ring 3 runs", (u32)try_user(u_read, ring3_eflags(0)),
			1);
	failed += check("  to its end (int 0x30)", trap.vector, USER_DONE_VECTOR);
	target = (u32)ro + 12;
	failed += check("write of a read-only page at ring 0 with CR0.WP = 0 runs", (u32)try_call(k_write),
			0);
	failed += check("  and stores", *(volatile u32*)(ro + 12), 0x5a5a);
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | 0x10000u));
	failed += ring0_pf("the same with CR0.WP = 1: #PF(3)", k_write, (u32)ro + 16, 3, (u32)k_write_insn);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	/* The page-directory entry's rights combine with the page table's (4.6.1). */
	*pde(SECOND_TABLE) &= ~PTE_U;
	invlpg(SECOND_TABLE + 0x10);
	try_user(u_far, ring3_eflags(0));
	failed += pf("ring-3 read under a supervisor page-directory entry: #PF(5)", 5, (u32)u_far_insn,
		     SECOND_TABLE + 0x10);
	*pde(SECOND_TABLE) = (*pde(SECOND_TABLE) | PTE_U) & ~PTE_W;
	invlpg(SECOND_TABLE + 0x10);
	try_user(u_far_write, ring3_eflags(0));
	failed += pf("ring-3 write under a read-only page-directory entry: #PF(7)", 7,
		     (u32)u_far_write_insn, SECOND_TABLE + 0x10);
	*pde(SECOND_TABLE) |= PTE_W;
	invlpg(SECOND_TABLE + 0x10);
	set_pte((u32)sup, PTE_P | PTE_W | PTE_U);
	set_pte((u32)ro, PTE_P | PTE_W | PTE_U);
	return failed;
}

static int accessed_dirty(void) {
	int failed = 0;
	set_pte((u32)page, PTE_P | PTE_W | PTE_U);
	target = (u32)page;
	try_call(k_read);
	failed += check("a read sets the PTE's accessed bit, not dirty", *pte((u32)page) & (PTE_A | PTE_D),
			PTE_A);
	try_call(k_write);
	failed += check("a write sets dirty", *pte((u32)page) & (PTE_A | PTE_D), PTE_A | PTE_D);
	return failed;
}

/* A ring-3 int $0x30 whose transition faults: #PF, delivered through the CPL-3 gate (which
 * undoes `undo_addr`'s change so that the stub's own int $0x30 gets through). */
static int transition_pf(const char* name, u32 undo_addr, u32 undo_value, u32 error, u32 cr2) {
	int failed = 0;
	ring3_repair.addr = undo_addr;
	ring3_repair.value = undo_value;
	try_user(u_int, ring3_eflags(0));
	ring3_repair.addr = 0;
	failed += check(name, ring3_trap.vector, 14);
	failed += check("  error code", ring3_trap.w[0], error);
	failed += check("  at the int (a fault of the INT n)", ring3_trap.w[1], (u32)u_int_insn);
	failed += check("  CR2", trap.cr2, cr2);
	return failed;
}

static int transitions(void) {
	int failed = 0;
	u32 tss_page = (u32)tss & ~0xFFFu, low = (u32)stack_area[0], esp0 = low + 0x800;
	set_ring3_gate(14);
	*pte(tss_page) &= ~PTE_P;
	invlpg(tss_page);
	failed += transition_pf("ring 3 -> 0 with the TSS on a not-present page: #PF", (u32)pte(tss_page),
				*pte(tss_page) | PTE_P, 0, (u32)tss + 4);
	*(volatile u32*)(tss + 4) = esp0;
	*pte(esp0) &= ~PTE_P;
	invlpg(esp0);
	failed += transition_pf("ring 3 -> 0 with TSS.esp0 on a not-present page: #PF", (u32)pte(esp0),
				*pte(esp0) | PTE_P, 2, esp0 - 4);
	/* The frame across a page boundary: the upper page present, the lower not. */
	esp0 = low + 4096 + 8;
	*(volatile u32*)(tss + 4) = esp0;
	*pte(low) &= ~PTE_P;
	invlpg(low);
	failed += transition_pf("  a 5-word frame reaching a not-present page: #PF at its first word there",
				(u32)pte(low), *pte(low) | PTE_P, 2, low + 4092);
	*(volatile u32*)(tss + 4) = (u32)trap_stack_top;
	reset_gate(14);
	return failed;
}

int conformance_main(void) {
	int failed = 0;
	paging_on(0);
	failed += not_present();
	failed += protection();
	failed += accessed_dirty();
	failed += transitions();
	paging_off();
	return failed;
}
