/* tests/conformance/pit_pic.c: the 8254 PIT and the 8259A PIC as a driver uses them (Intel 8254
 * datasheet 231164 "Operating Modes", "Read-Back Command", "Counter Latch Command"; 8259A datasheet
 * 231468 "Operation Command Words"). Only what does not depend on how fast the emulator runs: the
 * status byte, counts in their mode's range, OUT and IRR edges waited for by polling, and the ISR,
 * IRR and IMR as EOIs and masks leave them. */
#include "conformance.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIT_CH0 0x40
#define PIT_CTRL 0x43
#define SPIN_BOUND 20000000u

void wait_irq(void), irr_while_in_service(void), open_window(void);
__asm__(".text\n"
	"wait_irq: sti\n 1: hlt\n jmp 1b\n"
	"open_window: sti\n nop\n cli\n ret\n"
	/* IF=1 until IRR bit 0 is set again; an interrupt meanwhile is the failure */
	"irr_while_in_service: sti\n mov $20000000, %ecx\n"
	" 1: mov $0x0a, %al\n out %al, $0x20\n in $0x20, %al\n test $1, %al\n jnz 2f\n loop 1b\n"
	" 2: cli\n ret\n");

static void pic_init(void) {
	/* ICW1-ICW4: edge triggered, cascade, vectors 0x20 and 0x28, 8086 mode; everything masked. */
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, 0x20);
	outb(0xA1, 0x28);
	outb(0x21, 0x04);
	outb(0xA1, 0x02);
	outb(0x21, 0x01);
	outb(0xA1, 0x01);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

static u8 irr(void) {
	outb(PIC1_CMD, 0x0A); /* OCW3: read IRR */
	return inb(PIC1_CMD);
}

static u8 isr(void) {
	outb(PIC1_CMD, 0x0B); /* OCW3: read ISR */
	return inb(PIC1_CMD);
}

static void pit_program(u8 control, u16 count) {
	outb(PIT_CTRL, control);
	outb(PIT_CH0, (u8)count);
	outb(PIT_CH0, (u8)(count >> 8));
}

/* Read-back (control word 11 COUNT STATUS CNT2 CNT1 CNT0 0): channel 0's status byte. */
static u8 pit_status(void) {
	outb(PIT_CTRL, 0xE2);
	return inb(PIT_CH0);
}

static u16 pit_latched(u8 latch_command) {
	u8 lo, hi;
	outb(PIT_CTRL, latch_command);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (u16)(lo | hi << 8);
}

static int wait_irr0(void) {
	u32 n;
	for (n = 0; n < SPIN_BOUND; ++n)
		if (irr() & 1) return 1;
	return 0;
}

static int pic(void) {
	int failed = 0;
	outb(PIC1_DATA, 0xFE);
	failed += check("OCW1: the IMR reads back as written", inb(PIC1_DATA), 0xFE);
	outb(PIC1_DATA, 0xFF);
	pit_program(0x34, 1193); /* channel 0, mode 2, about 1 ms */
	failed += check("IRQ0 masked: its IRR bit is set all the same", (u32)wait_irr0(), 1);
	failed += check("  and nothing is in service", isr(), 0);
	outb(PIC1_DATA, 0xFE);
	try_call(wait_irq);
	failed += check("unmasked: IRQ0 arrives as vector 0x20", trap.vector, 0x20);
	failed += check("  ISR bit 0 (OCW3 0x0b) until the EOI", isr(), 0x01);
	failed += check("  ISR read again without a new OCW3", inb(PIC1_CMD), 0x01);
	failed += check("while in service IRQ0 is not taken again, its IRR bit set",
			(u32)try_call(irr_while_in_service), 0);
	failed += check("  IRR bit 0", irr() & 1, 1);
	outb(PIC1_CMD, 0x61); /* OCW2: specific EOI, level 1 */
	failed += check("specific EOI for IRQ1 leaves IRQ0 in service", isr(), 0x01);
	outb(PIC1_CMD, 0x60); /* OCW2: specific EOI, level 0 */
	failed += check("specific EOI for IRQ0 clears it", isr(), 0);
	try_call(wait_irq);
	failed += check("the pending IRQ0 is taken after the EOI", trap.vector, 0x20);
	outb(PIC1_CMD, 0x20); /* OCW2: non-specific EOI */
	failed += check("non-specific EOI clears the highest in service", isr(), 0);
	outb(PIC1_DATA, 0xFF);
	return failed;
}

static int pit_modes(void) {
	int failed = 0;
	u16 c;
	u32 n;
	pit_program(0x34, 0x4000);
	failed += check("mode 2: read-back status is OUT, RW 11, mode 010", pit_status() & 0x3F, 0x34);
	c = pit_latched(0x00);
	failed += check("  a latched count (control word 0x00) is in 1..N", c >= 1 && c <= 0x4000, 1);
	c = pit_latched(0xD2); /* read-back: latch channel 0's count only */
	failed += check("  a read-back count (0xd2) is in 1..N", c >= 1 && c <= 0x4000, 1);
	pit_program(0x36, 0x4000);
	failed += check("mode 3: status RW 11, mode 011", pit_status() & 0x3F, 0x36);
	c = pit_latched(0x00);
	failed += check("  counts down by two: an even N reads even", c & 1, 0);
	/* Mode 0: OUT low from the count until terminal count, then high; IRQ0 on that edge only.
	 * First no edges (mode 0, count 65536) and no IRQ0 left pending from mode 3's. */
	pit_program(0x30, 0);
	outb(PIC1_DATA, 0xFE);
	if (try_call(open_window)) outb(PIC1_CMD, 0x20);
	outb(PIC1_DATA, 0xFF);
	pit_program(0x30, 0x0800);
	failed += check("mode 0: status RW 11, mode 000, OUT low while counting", pit_status() & 0xBF,
			0x30);
	for (n = 0; n < SPIN_BOUND && !(pit_status() & 0x80); ++n) continue;
	failed += check("  OUT goes high at terminal count", pit_status() & 0x80, 0x80);
	failed += check("  and IRQ0's IRR bit is set by the edge", (u32)wait_irr0(), 1);
	outb(PIC1_DATA, 0xFE);
	try_call(wait_irq);
	outb(PIC1_CMD, 0x20);
	outb(PIC1_DATA, 0xFF);
	failed += check("  IRQ0 taken", trap.vector, 0x20);
	/* The counter goes on from 0 through 0xffff: wait until it is below 0xf000 (4096 counts, twice
	 * N, after the wrap), which a counter reloading with N never reads. */
	for (n = 0; n < SPIN_BOUND; ++n) {
		c = pit_latched(0x00);
		if (c > 0x0800 && c < 0xF000) break;
	}
	failed += check("  counting on past 0 (a one-shot): no second IRQ0", irr() & 1, 0);
	failed += check("  OUT stays high", pit_status() & 0x80, 0x80);
	return failed;
}

int conformance_main(void) {
	int failed = 0;
	pic_init();
	failed += pic();
	failed += pit_modes();
	pit_program(0x30, 0); /* mode 0, OUT low: no more edges */
	return failed;
}
