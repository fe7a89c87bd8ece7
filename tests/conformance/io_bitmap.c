/* tests/conformance/io_bitmap.c: I/O protection (Intel SDM vol. 1 19.5). Above IOPL, IN, OUT, INS and
 * OUTS consult the TSS's I/O permission bit map: every bit of the access width must be clear and the
 * two bytes read must lie inside the TSS limit, or the instruction raises #GP(0) at itself with no
 * port touched. The port is COM1's scratch register (0x3FF), which both forkscope and QEMU keep. */
#include "conformance.h"

#define SCR 0x3FF
#define MAP_BASE 0x68 /* boot.S: the map starts right after the TSS */

extern char out_insn[], in_insn[], inw_insn[], inl_insn[], outsb_insn[], insb_insn[],
	out80_insn[];
void user_out(void), user_in(void), user_inw(void), user_inl(void), user_outsb(void),
	user_insb(void), user_out80(void);
volatile u8 insb_buffer[4];
const u8 outsb_source[1] = {0x77};
__asm__(".text\n"
	"user_out: mov $0x3FF, %dx\n mov $0x5A, %al\n out_insn: out %al, (%dx)\n int $0x30\n"
	"user_in: mov $0x3FF, %dx\n mov $0x12345678, %eax\n in_insn: in (%dx), %al\n int $0x30\n"
	"user_inw: mov $0x3FF, %dx\n inw_insn: in (%dx), %ax\n int $0x30\n"
	"user_inl: mov $0x3FC, %dx\n inl_insn: in (%dx), %eax\n int $0x30\n"
	"user_outsb: mov $0x3FF, %dx\n mov $outsb_source, %esi\n outsb_insn: outsb\n int $0x30\n"
	"user_insb: mov $0x3FF, %dx\n mov $insb_buffer, %edi\n mov $4, %ecx\n cld\n"
	"  insb_insn: rep insb\n int $0x30\n"
	"user_out80: mov $0x5A, %al\n out80_insn: out %al, $0x80\n int $0x30\n");

static void allow_all(void) {
	unsigned i;
	for (i = 0; i < 8192; ++i) io_bitmap[i] = 0;
	io_bitmap[8192] = 0xFF; /* the byte past the map (SDM vol. 1 19.5.2) */
}

static void deny(unsigned port) { io_bitmap[port / 8] |= (u8)(1u << (port & 7)); }

static int ran(const char* name) { return check(name, trap.vector, USER_DONE_VECTOR); }

int conformance_main(void) {
	int failed = 0;
	const u32 iopl0 = ring3_eflags(0);
	allow_all();
	/* No map: a TSS limit of 0x67 ends the TSS before the map base. */
	tss_set_limit(0x67);
	outb(SCR, 0x11);
	try_user(user_out, iopl0);
	failed += check_fault("out above IOPL with no map in the TSS limit: #GP(0) at the out", 13, 1,
			      0, (u32)out_insn);
	failed += check("  and the port kept its value", inb(SCR), 0x11);
	/* The whole map and the byte after it inside the limit, every bit clear: it runs. */
	tss_set_limit(MAP_BASE + 8192);
	try_user(user_out, iopl0);
	failed += ran("out above IOPL with the port's bit clear runs");
	failed += check("  and writes the port", inb(SCR), 0x5A);
	/* The port's bit set: #GP(0), nothing written or read. */
	deny(SCR);
	outb(SCR, 0x11);
	try_user(user_out, iopl0);
	failed += check_fault("out with the port's bit set: #GP(0) at the out", 13, 1, 0,
			      (u32)out_insn);
	failed += check("  and the port kept its value", inb(SCR), 0x11);
	try_user(user_in, iopl0);
	failed += check_fault("in with the port's bit set: #GP(0) at the in", 13, 1, 0, (u32)in_insn);
	failed += check("  and EAX kept its value", trap_eax, 0x12345678);
	try_user(user_outsb, iopl0);
	failed += check_fault("outsb with the port's bit set: #GP(0) at the outsb", 13, 1, 0,
			      (u32)outsb_insn);
	failed += check("  and the port kept its value", inb(SCR), 0x11);
	insb_buffer[0] = 0xEE;
	try_user(user_insb, iopl0);
	failed += check_fault("rep insb with the port's bit set: #GP(0) at the insb", 13, 1, 0,
			      (u32)insb_insn);
	failed += check("  and memory kept its value", insb_buffer[0], 0xEE);
	deny(0x80);
	try_user(user_out80, iopl0);
	failed += check_fault("out to an immediate port with its bit set: #GP(0)", 13, 1, 0,
			      (u32)out80_insn);
	/* IOPL 3 at CPL 3: the map is not read. */
	outb(SCR, 0x11);
	try_user(user_out, ring3_eflags(3));
	failed += ran("out at CPL 3 with IOPL 3 runs whatever the map says");
	failed += check("  and writes the port", inb(SCR), 0x5A);
	/* Every bit of the access width: 0x3FF clear, 0x400 set (the next byte of the map). */
	allow_all();
	deny(0x400);
	try_user(user_in, iopl0);
	failed += ran("in of a byte at 0x3ff with 0x400 denied runs");
	try_user(user_inw, iopl0);
	failed += check_fault("in of a word at 0x3ff with 0x400 denied: #GP(0)", 13, 1, 0,
			      (u32)inw_insn);
	allow_all();
	deny(0x3FE);
	try_user(user_inl, iopl0);
	failed += check_fault("in of a dword at 0x3fc with 0x3fe denied: #GP(0)", 13, 1, 0,
			      (u32)inl_insn);
	/* The two bytes read (map bytes 0x7f and 0x80 for port 0x3ff) must lie inside the limit. */
	allow_all();
	tss_set_limit(MAP_BASE + 0x7F);
	try_user(user_out, iopl0);
	failed += check_fault("out whose map word crosses the TSS limit: #GP(0)", 13, 1, 0,
			      (u32)out_insn);
	tss_set_limit(MAP_BASE + 0x80);
	try_user(user_out, iopl0);
	failed += ran("out whose map word ends at the TSS limit runs");
	tss_set_limit(MAP_BASE + 8192);
	return failed;
}
