/* tests/conformance/lib.c: console, checks, gates and ring 3 for the conformance kernels. */
#include "conformance.h"

extern u8 idt[];
extern u8 gdt[];
extern char trap_stubs[];
extern u32 user_eflags;
extern u32 user_entry;
void enter_user(void);

void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

u8 inb(u16 port) {
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* COM1's transmit holding register; both forkscope and QEMU take a byte at any time. */
static void putc(char c) { outb(0x3F8, (u8)c); }

void puts(const char* s) {
	while (*s) putc(*s++);
}

void puthex(u32 v) {
	static const char digits[] = "0123456789abcdef";
	int shift;
	puts("0x");
	for (shift = 28; shift >= 0; shift -= 4) putc(digits[(v >> shift) & 0xF]);
}

static int fail_field(const char* name, const char* field, u32 got, u32 want) {
	puts("FAIL ");
	puts(name);
	puts(": ");
	puts(field);
	puts("got ");
	puthex(got);
	puts(" want ");
	puthex(want);
	puts("\n");
	return 1;
}

int check(const char* name, u32 got, u32 want) {
	if (got != want) return fail_field(name, "", got, want);
	puts("PASS ");
	puts(name);
	puts("\n");
	return 0;
}

int check_fault(const char* name, unsigned vector, int has_error, u32 error, u32 eip) {
	if (trap.vector != vector) return fail_field(name, "vector ", trap.vector, vector);
	if (has_error && trap.w[0] != error) return fail_field(name, "error code ", trap.w[0], error);
	if (trap.w[has_error ? 1 : 0] != eip)
		return fail_field(name, "eip ", trap.w[has_error ? 1 : 0], eip);
	return check(name, 0, 0);
}

void set_gate(unsigned vector, u16 selector, u8 type, unsigned dpl, int present) {
	/* SDM vol. 3A figure 6-2: offset 15..0, selector, then type/DPL/P, offset 31..16. */
	u32 offset = (u32)trap_stubs + vector * 16;
	u8* g = idt + vector * 8;
	g[0] = (u8)offset;
	g[1] = (u8)(offset >> 8);
	g[2] = (u8)selector;
	g[3] = (u8)(selector >> 8);
	g[4] = 0;
	g[5] = (u8)((present ? 0x80 : 0) | (dpl << 5) | type);
	g[6] = (u8)(offset >> 16);
	g[7] = (u8)(offset >> 24);
}

void reset_gate(unsigned vector) {
	set_gate(vector, 0x08, GATE_INT32, vector == USER_DONE_VECTOR ? 3 : 0, 1);
}

void idt_init(void) {
	unsigned v;
	for (v = 0; v < 256; ++v) reset_gate(v);
}

void tss_set_limit(u32 limit) {
	u8* d = gdt + 0x28;
	d[0] = (u8)limit;
	d[1] = (u8)(limit >> 8);
	d[6] = (u8)((d[6] & 0xF0) | ((limit >> 16) & 0xF));
	d[5] = 0x89; /* available again: LTR refuses a busy TSS */
	__asm__ volatile("ltr %w0" : : "r"(0x28));
}

u32 ring3_eflags(unsigned iopl) { return 0x2 | (iopl << 12); }

int try_user(void (*fn)(void), u32 eflags) {
	user_entry = (u32)fn;
	user_eflags = eflags;
	return try_call(enter_user);
}

void unexpected_trap(void) {
	puts("FAIL unexpected vector ");
	puthex(trap.vector);
	puts(" at ");
	puthex(trap.w[0]);
	puts(" ");
	puthex(trap.w[1]);
	puts("\n");
	__asm__ volatile("outl %0, $0xF4" : : "a"(99));
	for (;;) __asm__ volatile("cli; hlt");
}

/* ---- paging: 8 MiB identity mapped, 4-KiB pages (SDM vol. 3A 4.3, figure 4-4) */
static u32 page_dir[1024] __attribute__((aligned(4096)));
static u32 page_tables[2][1024] __attribute__((aligned(4096)));

u32* pde(u32 linear) { return &page_dir[linear >> 22]; }

u32* pte(u32 linear) { return &page_tables[linear >> 22][(linear >> 12) & 1023]; }

void invlpg(u32 linear) { __asm__ volatile("invlpg (%0)" : : "r"(linear) : "memory"); }

void paging_on(int wp) {
	unsigned t, i;
	u32 cr0;
	for (i = 0; i < 1024; ++i) page_dir[i] = 0;
	for (t = 0; t < 2; ++t) {
		page_dir[t] = (u32)page_tables[t] | PTE_P | PTE_W | PTE_U;
		for (i = 0; i < 1024; ++i)
			page_tables[t][i] = ((t << 22) | (i << 12)) | PTE_P | PTE_W | PTE_U;
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(page_dir) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 | 0x80000000u) & ~0x10000u;
	if (wp) cr0 |= 0x10000u; /* CR0.WP: supervisor writes honour read-only pages */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

void paging_off(void) {
	u32 cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~0x80010000u) : "memory");
}

/* ---- the CPL-3 gate (conformance.h) */
volatile struct ring3_record ring3_trap;
volatile struct ring3_undo ring3_repair;
void (*volatile ring3_then)(void);
extern char ring3_stubs[];
/* Stub n (16 bytes apart) calls ring3_common, which finds n from the return address as boot.S's
 * trap_common does. At CPL 3 DS may be anything the check loaded: every store goes through SS (the
 * ring-3 data segment, flat). */
__asm__(".text\n"
	".align 16\n"
	"ring3_stubs:\n"
	".rept 32\n .align 16\n call ring3_common\n .endr\n"
	"ring3_common:\n"
	" popl %eax\n sub $ring3_stubs + 5, %eax\n shr $4, %eax\n"
	" mov %eax, %ss:ring3_trap\n mov %esp, %ss:ring3_trap + 4\n"
	" mov 0(%esp), %eax\n mov %eax, %ss:ring3_trap + 8\n"
	" mov 4(%esp), %eax\n mov %eax, %ss:ring3_trap + 12\n"
	" mov 8(%esp), %eax\n mov %eax, %ss:ring3_trap + 16\n"
	" mov 12(%esp), %eax\n mov %eax, %ss:ring3_trap + 20\n"
	" mov %ss:ring3_repair, %edx\n test %edx, %edx\n jz 1f\n"
	" mov %ss:ring3_repair + 4, %eax\n mov %eax, %ss:(%edx)\n"
	"1: mov %ss:ring3_then, %eax\n test %eax, %eax\n jz 2f\n call *%eax\n"
	"2: int $0x30\n");

void set_ring3_gate(unsigned vector) {
	/* 0x38: base 0, limit 4 GiB, DPL 0, execute/read conforming (type 0xE; SDM vol. 3A 3.4.5.1). */
	static const u8 conforming[8] = {0xFF, 0xFF, 0, 0, 0, 0x9E, 0xCF, 0};
	u32 offset = (u32)ring3_stubs + vector * 16;
	u8* g = idt + vector * 8;
	unsigned i;
	for (i = 0; i < 8; ++i) gdt[0x38 + i] = conforming[i];
	g[0] = (u8)offset;
	g[1] = (u8)(offset >> 8);
	g[2] = 0x38;
	g[3] = 0;
	g[4] = 0;
	g[5] = 0x80 | GATE_INT32;
	g[6] = (u8)(offset >> 16);
	g[7] = (u8)(offset >> 24);
}
