/* kernel/timer.c: jiffies, per-tick accounting, kernel timers and schedule_timeout(). */
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/timer.h>
#include <asm/system.h>

/* jiffies_64 starts at 0 (2.6.12 starts at INITIAL_JIFFIES, -300 s, to catch wrap bugs; a 0 start keeps
 * the console's jiffies readable). */
union jiffies_union jiffies_union;
__asm__(".globl jiffies_64\n.set jiffies_64, jiffies_union\n.globl jiffies\n.set jiffies, jiffies_union");

static LIST_HEAD(timer_list_head);	/* pending timers, sorted by expires, earliest first */

/* get_jiffies_64: the 64-bit count, read with interrupts off (two loads on i386). */
u64 get_jiffies_64(void)
{
	unsigned long flags;
	u64 j;

	local_irq_save(flags);
	j = jiffies_64;
	local_irq_restore(flags);
	return j;
}

/* do_timer: one more tick (timer interrupt, interrupts off). */
void do_timer(struct pt_regs *regs)
{
	(void)regs;
	jiffies_64++;
}

/* update_process_times: charge the tick to current, let timers run from the softirq, and give the
 * scheduler its tick. */
void update_process_times(int user_tick)
{
	struct task_struct *p = current;

	if (user_tick)
		p->utime++;
	else
		p->stime++;
	run_local_timers();
	scheduler_tick();
}

void run_local_timers(void)
{
	raise_softirq(TIMER_SOFTIRQ);
}

/* add_timer: arm t to fire at the first timer softirq with jiffies >= t->expires. */
void add_timer(struct timer_list *t)
{
	struct list_head *pos;
	unsigned long flags;

	local_irq_save(flags);
	BUG_ON(t->pending);
	list_for_each(pos, &timer_list_head) {
		struct timer_list *o = list_entry(pos, struct timer_list, entry);

		if (time_after(o->expires, t->expires))
			break;
	}
	list_add_tail(&t->entry, pos);	/* before the first later timer: FIFO among equal expiries */
	t->pending = 1;
	local_irq_restore(flags);
}

/* del_timer: disarm t; returns 1 if it was still pending. */
int del_timer(struct timer_list *t)
{
	unsigned long flags;
	int was = 0;

	local_irq_save(flags);
	if (t->pending) {
		list_del(&t->entry);
		t->pending = 0;
		was = 1;
	}
	local_irq_restore(flags);
	return was;
}

/* run_timer_softirq: call every timer that is due, earliest first. */
void run_timer_softirq(void)
{
	while (!list_empty(&timer_list_head)) {
		struct timer_list *t = list_entry(timer_list_head.next, struct timer_list, entry);

		if (time_before(jiffies, t->expires))
			break;
		list_del(&t->entry);
		t->pending = 0;
		t->function(t->data);
	}
}

static void process_timeout(unsigned long data)
{
	wake_up_process((struct task_struct *)data);
}

/*
 * schedule_timeout: sleep until `timeout` ticks have passed or someone wakes us. The caller sets the
 * task state first (TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE); returns the ticks left (0 if the time
 * ran out). MAX_SCHEDULE_TIMEOUT sleeps without a timer.
 */
fastcall signed long schedule_timeout(signed long timeout)
{
	struct timer_list timer;
	unsigned long expire;

	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		schedule();
		return timeout;
	}
	if (timeout < 0) {
		printk("schedule_timeout: wrong timeout value %lx\n", (unsigned long)timeout);
		current->state = TASK_RUNNING;
		return 0;
	}
	expire = timeout + jiffies;
	init_timer(&timer);
	timer.expires = expire;
	timer.data = (unsigned long)current;
	timer.function = process_timeout;
	add_timer(&timer);
	schedule();
	del_singleshot_timer_sync(&timer);
	timeout = expire - jiffies;
	return timeout < 0 ? 0 : timeout;
}

void init_timers(void)
{
	INIT_LIST_HEAD(&timer_list_head);
}
