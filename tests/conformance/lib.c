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
