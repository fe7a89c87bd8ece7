/* arch/i386/kernel/i8259.c: the two cascaded 8259A PICs, remapped to vectors 0x20-0x2F (the BIOS leaves
 * IRQ0-7 on 0x08-0x0F, on top of the CPU exceptions). An irq is masked and acknowledged when it
 * arrives and unmasked when its handler is done, as 2.6.12's mask_and_ack_8259A/end_8259A_irq do. */
#include <linux/kernel.h>
#include <asm/io.h>
#include <asm/desc.h>
#include <asm/hw_irq.h>
#include <asm/system.h>

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_IMR	0x21
#define PIC_SLAVE_CMD	0xA0
#define PIC_SLAVE_IMR	0xA1
#define PIC_CASCADE_IR	2
/* OCW2 "specific EOI" (0x60 | IR level). tests/golden/golden.cmake builds a kernel with 0x40 here,
 * OCW2's "no operation": the EOI goes missing (a mutation check for trace diff). */
#ifndef PIC_SPECIFIC_EOI
#define PIC_SPECIFIC_EOI	0x60
#endif

/* Every line masked except the cascade; enable_8259A_irq() opens the ones with handlers. */
static unsigned int cached_irq_mask = 0xfffb;

static void write_imr(void)
{
	outb(cached_irq_mask & 0xff, PIC_MASTER_IMR);
	outb(cached_irq_mask >> 8, PIC_SLAVE_IMR);
}

void disable_8259A_irq(unsigned int irq)
{
	unsigned long flags;

	local_irq_save(flags);
	cached_irq_mask |= 1u << irq;
	write_imr();
	local_irq_restore(flags);
}

void enable_8259A_irq(unsigned int irq)
{
	unsigned long flags;

	local_irq_save(flags);
	cached_irq_mask &= ~(1u << irq);
	write_imr();
	local_irq_restore(flags);
}

/* Mask the line, then a specific EOI (OCW2 0x60 | ir) to the slave and/or master. Called with
 * interrupts off (interrupt gate). */
void mask_and_ack_8259A(unsigned int irq)
{
	cached_irq_mask |= 1u << irq;
	write_imr();
	if (irq & 8) {
		outb(PIC_SPECIFIC_EOI + (irq & 7), PIC_SLAVE_CMD);
		outb(PIC_SPECIFIC_EOI + PIC_CASCADE_IR, PIC_MASTER_CMD);
	} else {
		outb(PIC_SPECIFIC_EOI + irq, PIC_MASTER_CMD);
	}
}

/* The handler is done: unmask the line again. */
void end_8259A_irq(unsigned int irq)
{
	enable_8259A_irq(irq);
}

/* ICW1-ICW4 for both chips (8259A datasheet): edge triggered, cascade on IR2, 8086 mode, normal EOI. */
void init_8259A(void)
{
	unsigned long flags;

	local_irq_save(flags);
	outb(0xff, PIC_MASTER_IMR);
	outb(0xff, PIC_SLAVE_IMR);
	outb_p(0x11, PIC_MASTER_CMD);			/* ICW1: ICW4 needed, cascade, edge */
	outb_p(FIRST_EXTERNAL_VECTOR, PIC_MASTER_IMR);	/* ICW2: IR0-7 -> 0x20-0x27 */
	outb_p(1u << PIC_CASCADE_IR, PIC_MASTER_IMR);	/* ICW3: slave on IR2 */
	outb_p(0x01, PIC_MASTER_IMR);			/* ICW4: 8086 mode, normal EOI */
	outb_p(0x11, PIC_SLAVE_CMD);
	outb_p(FIRST_EXTERNAL_VECTOR + 8, PIC_SLAVE_IMR);/* ICW2: IR0-7 -> 0x28-0x2f */
	outb_p(PIC_CASCADE_IR, PIC_SLAVE_IMR);		/* ICW3: slave identity 2 */
	outb_p(0x01, PIC_SLAVE_IMR);
	write_imr();
	local_irq_restore(flags);
}

/* init_IRQ: program the PICs and point vectors 0x20-0x2F at the entry.S stubs. */
void init_IRQ(void)
{
	unsigned int i;

	init_8259A();
	for (i = 0; i < NR_IRQS; i++)
		set_intr_gate(FIRST_EXTERNAL_VECTOR + i, interrupt[i]);
}
