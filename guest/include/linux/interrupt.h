/* linux/hardirq.h + interrupt.h: the preempt_count layout and softirqs (kernel/softirq.c). */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <asm/thread_info.h>

/* preempt_count bits (2.6.12 hardirq.h): 0-7 preemption, 8-15 softirq, 16-27 hardirq; PREEMPT_ACTIVE
 * marks a schedule() entered from cond_resched(). */
#define PREEMPT_SHIFT	0
#define SOFTIRQ_SHIFT	8
#define HARDIRQ_SHIFT	16
#define PREEMPT_OFFSET	(1UL << PREEMPT_SHIFT)
#define SOFTIRQ_OFFSET	(1UL << SOFTIRQ_SHIFT)
#define HARDIRQ_OFFSET	(1UL << HARDIRQ_SHIFT)
#define PREEMPT_MASK	0x000000ffUL
#define SOFTIRQ_MASK	0x0000ff00UL
#define HARDIRQ_MASK	0x0fff0000UL
#define PREEMPT_ACTIVE	0x10000000UL

#define preempt_count()	(current_thread_info()->preempt_count)
#define hardirq_count()	(preempt_count() & HARDIRQ_MASK)
#define softirq_count()	(preempt_count() & SOFTIRQ_MASK)
#define irq_count()	(preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK))
#define in_irq()	(hardirq_count())
#define in_interrupt()	(irq_count())
/* Without CONFIG_PREEMPT a held spinlock is not counted, so "atomic" means in an irq or a softirq. */
#define in_atomic()	((preempt_count() & ~PREEMPT_ACTIVE) != 0)

#define add_preempt_count(v)	(preempt_count() += (v))
#define sub_preempt_count(v)	(preempt_count() -= (v))

/* Softirq numbers (2.6.12 order); only the timer one is raised here. */
enum { HI_SOFTIRQ = 0, TIMER_SOFTIRQ, NET_TX_SOFTIRQ, NET_RX_SOFTIRQ, SCSI_SOFTIRQ, TASKLET_SOFTIRQ };

void raise_softirq(unsigned int nr);
void do_softirq(void);
void irq_enter(void);
void irq_exit(void);
extern unsigned long softirq_pending;

#endif
