/* linux/timer.h: one-shot kernel timers run from the timer softirq once jiffies reaches `expires`.
 * Difference from 2.6.12: one list kept sorted by expiry instead of the five-level timer wheel (same
 * firing rule, O(n) insertion; the guest never has more than a handful pending). */
#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H

#include <linux/list.h>

struct timer_list {
	struct list_head entry;
	unsigned long expires;
	void (*function)(unsigned long);
	unsigned long data;
	int pending;
};

static inline void init_timer(struct timer_list *t)
{
	INIT_LIST_HEAD(&t->entry);
	t->pending = 0;
}

void add_timer(struct timer_list *t);
int del_timer(struct timer_list *t);
#define del_singleshot_timer_sync(t) del_timer(t)

void init_timers(void);
void run_local_timers(void);
void run_timer_softirq(void);
fastcall signed long schedule_timeout(signed long timeout);
void msleep_interruptible_ticks(unsigned long ticks);

struct pt_regs;
void do_timer(struct pt_regs *regs);
void update_process_times(int user_tick);

#endif
