/* kernel/timer.c: jiffies, per-tick accounting, kernel timers and schedule_timeout(). */
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/timer.h>
#include <asm/system.h>
#include <asm/uaccess.h>

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
		printk(KERN_ERR "schedule_timeout: wrong timeout value %lx\n", (unsigned long)timeout);
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

/*
 * sys_nanosleep (2.6.12): the request in jiffies rounded up, plus one tick because the current
 * tick is already partly over (2.6.12: timespec_to_jiffies(&t) + (t.tv_sec || t.tv_nsec)). A 10 ms
 * sleep at HZ=1000 is 11 ticks. -EFAULT for a pointer outside the caller's regions, -EINVAL for
 * tv_nsec outside 0..999999999 or a negative tv_sec; -EINTR, with the time left in *rmtp, when a
 * signal wakes the sleeper.
 */
struct timespec {
	long tv_sec;
	long tv_nsec;
};

#define NSEC_PER_SEC	1000000000L
#define NSEC_PER_JIFFY	(NSEC_PER_SEC / HZ)

asmlinkage long sys_nanosleep(struct timespec __user *rqtp, struct timespec __user *rmtp);
asmlinkage long sys_nanosleep(struct timespec __user *rqtp, struct timespec __user *rmtp)
{
	struct timespec t;
	unsigned long expire;

	if (copy_from_user(&t, rqtp, sizeof(t)))
		return -EFAULT;
	if (t.tv_nsec < 0 || t.tv_nsec >= NSEC_PER_SEC || t.tv_sec < 0)
		return -EINVAL;
	/* MAX_SCHEDULE_TIMEOUT - 1 at most, as timespec_to_jiffies clamps. */
	if ((unsigned long)t.tv_sec >= (MAX_SCHEDULE_TIMEOUT - 1) / HZ - 1)
		expire = MAX_SCHEDULE_TIMEOUT - 1;
	else
		expire = (unsigned long)t.tv_sec * HZ +
			 ((unsigned long)t.tv_nsec + NSEC_PER_JIFFY - 1) / NSEC_PER_JIFFY +
			 (t.tv_sec || t.tv_nsec);
	current->state = TASK_INTERRUPTIBLE;
	expire = (unsigned long)schedule_timeout((signed long)expire);
	if (expire && signal_pending(current)) {
		/* Woken by a signal (kernel/signal.c): what is left goes to *rmtp, and the call fails
		 * with -EINTR - seen by the program after a handler has run, or never, when the
		 * signal's default action ends the task on its way out (2.6.12 returns
		 * -ERESTART_RESTARTBLOCK, which do_signal turns into -EINTR for a handler). */
		if (rmtp) {
			struct timespec left = { (long)(expire / HZ), (long)(expire % HZ) * NSEC_PER_JIFFY };

			if (copy_to_user(rmtp, &left, sizeof(left)))
				return -EFAULT;
		}
		return -EINTR;
	}
	return 0;
}

/*
 * sys_times (2.6.12): the caller's user and system time, and the time since boot, in clock ticks of
 * USER_HZ = 100 (i386's; jiffies_to_clock_t divides by HZ / USER_HZ = 10). cutime and cstime are 0:
 * this kernel does not add reaped children's times to their parent (2.6.12's signal_struct does).
 */
#define USER_HZ		100

struct tms {
	long tms_utime, tms_stime, tms_cutime, tms_cstime;
};

asmlinkage long sys_times(struct tms __user *tbuf);
asmlinkage long sys_times(struct tms __user *tbuf)
{
	if (tbuf) {
		struct tms tmp;

		tmp.tms_utime = (long)(current->utime / (HZ / USER_HZ));
		tmp.tms_stime = (long)(current->stime / (HZ / USER_HZ));
		tmp.tms_cutime = 0;
		tmp.tms_cstime = 0;
		if (copy_to_user(tbuf, &tmp, sizeof(tmp)))
			return -EFAULT;
	}
	return (long)(jiffies / (HZ / USER_HZ));
}

void init_timers(void)
{
	INIT_LIST_HEAD(&timer_list_head);
}
