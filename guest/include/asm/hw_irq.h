/* asm-i386/hw_irq.h + irq.h: vectors and the interrupt entry stubs (entry.S). */
#ifndef _ASM_HW_IRQ_H
#define _ASM_HW_IRQ_H

#include <linux/linkage.h>
#include <abi.h>

#define NR_IRQS		16
#define TIMER_IRQ	0

struct pt_regs;

extern void (*interrupt[NR_IRQS])(void);	/* entry.S: stub n pushes n - 256 */

/* i8259.c */
void init_8259A(void);
void init_IRQ(void);
void mask_and_ack_8259A(unsigned int irq);
void enable_8259A_irq(unsigned int irq);
void disable_8259A_irq(unsigned int irq);
void end_8259A_irq(unsigned int irq);

/* irq.c */
typedef int (*irq_handler_t)(int irq, void *dev_id, struct pt_regs *regs);
int setup_irq(unsigned int irq, irq_handler_t handler, const char *name);
fastcall unsigned int do_IRQ(struct pt_regs *regs);
extern unsigned long irq_count[NR_IRQS];

#endif
