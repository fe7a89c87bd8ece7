/* arch/i386/kernel/irq.c + kernel/irq/handle.c: do_IRQ() and the one-handler-per-line table. */
#include <linux/kernel.h>
#include <linux/interrupt.h>
#include <asm/hw_irq.h>
#include <asm/io.h>
#include <asm/ptrace.h>

struct irqaction {
	irq_handler_t handler;
	const char *name;
};

static struct irqaction irq_desc[NR_IRQS];
unsigned long irq_count[NR_IRQS];	/* interrupts taken per line */
static unsigned long spurious_count;

/* setup_irq: install the handler and unmask the line. One handler per irq (no sharing). */
int setup_irq(unsigned int irq, irq_handler_t handler, const char *name)
{
	if (irq >= NR_IRQS || irq_desc[irq].handler)
		return -1;
	irq_desc[irq].handler = handler;
	irq_desc[irq].name = name;
	enable_8259A_irq(irq);
	return 0;
}

/* IRQ7/IRQ15 with the in-service bit clear is the 8259A's spurious interrupt: no EOI for it. */
static int spurious_8259A_irq(unsigned int irq)
{
	unsigned int port = irq & 8 ? 0xA0 : 0x20;
	u8 isr;

	if ((irq & 7) != 7)
		return 0;
	outb(0x0B, port);	/* OCW3: read ISR */
	isr = inb(port);
	outb(0x0A, port);	/* back to reading IRR */
	return !(isr & 0x80);
}

/*
 * do_IRQ: entered from common_interrupt with interrupts off and regs = the pt_regs SAVE_ALL built;
 * orig_eax holds irq - 256. Masks and acknowledges the line, runs its handler, unmasks it, and runs
 * pending softirqs (timers) on the way out via irq_exit().
 */
fastcall unsigned int do_IRQ(struct pt_regs *regs)
{
	unsigned int irq = regs->orig_eax & 0xff;
	struct irqaction *action = &irq_desc[irq];

	if (spurious_8259A_irq(irq)) {
		spurious_count++;
		return 1;
	}
	irq_enter();
	irq_count[irq]++;
	mask_and_ack_8259A(irq);
	if (action->handler) {
		action->handler(irq, NULL, regs);
		end_8259A_irq(irq);
	} else {
		printk(KERN_ERR "do_IRQ: unexpected irq %u, left masked\n", irq);
	}
	irq_exit();
	return 1;
}
