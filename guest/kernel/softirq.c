/* kernel/softirq.c: deferred interrupt work, run on the way out of the outermost interrupt. Only the
 * timer softirq exists here. Difference from 2.6.12: handlers run with interrupts still disabled (no
 * ksoftirqd, no re-enabling in __do_softirq) - the work is a few timer callbacks per tick. */
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/timer.h>
#include <asm/system.h>

unsigned long softirq_pending;

void raise_softirq(unsigned int nr)
{
	unsigned long flags;

	local_irq_save(flags);
	softirq_pending |= 1UL << nr;
	local_irq_restore(flags);
}

/* do_softirq: run what is pending, counted as softirq context (in_interrupt() is true meanwhile). */
void do_softirq(void)
{
	unsigned long flags, pending;

	if (in_interrupt())
		return;
	local_irq_save(flags);
	add_preempt_count(SOFTIRQ_OFFSET);
	while ((pending = softirq_pending) != 0) {
		softirq_pending = 0;
		if (pending & (1UL << TIMER_SOFTIRQ))
			run_timer_softirq();
	}
	sub_preempt_count(SOFTIRQ_OFFSET);
	local_irq_restore(flags);
}

void irq_enter(void)
{
	add_preempt_count(HARDIRQ_OFFSET);
}

/* irq_exit: leave hardirq context; the outermost exit runs pending softirqs. */
void irq_exit(void)
{
	sub_preempt_count(HARDIRQ_OFFSET);
	if (!in_interrupt() && softirq_pending)
		do_softirq();
}
