/* arch/i386/kernel/time.c: the PIT drives the tick. Channel 0 in mode 2 (rate generator) with
 * LATCH = (1193182 + HZ/2) / HZ = 1193 gives IRQ0 every 1/1000 s (8254 datasheet, mode 2). */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <asm/hw_irq.h>
#include <asm/io.h>
#include <asm/ptrace.h>

#define CLOCK_TICK_RATE	1193182
#define LATCH		((CLOCK_TICK_RATE + 1000 / 2) / 1000)	/* HZ = 1000 */
#define PIT_CH0		0x40
#define PIT_MODE	0x43

/* timer_interrupt: one tick. do_timer() advances jiffies; on UP the same hook then charges the tick to
 * the running task (update_process_times -> scheduler_tick), as do_timer_interrupt_hook() does. */
static int timer_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	(void)irq;
	(void)dev_id;
	do_timer(regs);
	update_process_times(user_mode(regs));
	return 1;
}

/* setup_pit_timer: 0x34 = channel 0, lobyte/hibyte, mode 2, binary. */
static void setup_pit_timer(void)
{
	outb_p(0x34, PIT_MODE);
	outb_p(LATCH & 0xff, PIT_CH0);
	outb(LATCH >> 8, PIT_CH0);
}

void time_init(void)
{
	setup_pit_timer();
	setup_irq(TIMER_IRQ, timer_interrupt, "timer");
}
