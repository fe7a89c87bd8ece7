/*
 * init/scenarios.c: the three scenarios init runs. Each logs what it does on the console (fork/exit/
 * reap lines come from the kernel itself) and checks its own claims at the end.
 */
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/timer.h>
#include <linux/string.h>
#include <abi.h>
#include "../kernel/sched_math.h"
#include "scenarios.h"

#define KTHREAD_FLAGS	(CLONE_FS | CLONE_FILES | CLONE_SIGHAND)

/* Reaps every child of init; returns how many. */
static int reap_all_children(void)
{
	int status, n = 0;

	while (sys_wait4(-1, &status, __WALL, NULL) > 0)
		n++;
	return n;
}

/* ---- process1: seed 001's path, and nothing else ---- */

/* init has been created by swapper and is running: report who we are and exit. */
int scenario_process1(void)
{
	struct task_struct *me = current;

	printk("process1: pid %d (%s) parent %d (%s), prio %d static_prio %d slice %u, esp0 %s\n",
	       me->pid, me->comm, me->parent->pid, me->parent->comm, me->prio, me->static_prio,
	       me->time_slice,
	       me->thread.esp0 == (unsigned long)me->thread_info + THREAD_SIZE - COPY_THREAD_RESERVE
	       ? "= stack top - 8" : "unexpected");
	return FS_EXIT_OK;
}

/* ---- sched: the O(1) scheduler under load for one guest second ---- */

/* How long the scenario runs: SCHED_RUN_TICKS ticks (one guest second), or N with "sched.ticks=N"
 * on the kernel command line (tests/golden/ records 250 ticks, so that its trace stays small). */
#ifndef SCHED_RUN_TICKS
#define SCHED_RUN_TICKS	1000
#endif

struct sched_thread {
	const char *name;
	int nice;
	int sleeper;
	int pid;
	unsigned long ran;		/* ticks charged to it */
	unsigned long max_wait;		/* longest time off the CPU between two looks at jiffies */
	unsigned long wakeups;		/* sleeper: timeouts that woke it */
	unsigned long max_late;		/* sleeper: worst lateness of a wake-up, in ticks */
	unsigned long interactive_at;	/* sleeper: jiffies when it first had an interactive prio */
	int best_prio;
	unsigned long nvcsw, nivcsw;
};

/* hog0's nice value. tests/golden/golden.cmake builds a kernel with another one (a mutation check:
 * trace diff must find the first instruction it changes). */
#ifndef SCHED_HOG0_NICE
#define SCHED_HOG0_NICE	0
#endif

static struct sched_thread sched_threads[] = {
	{ .name = "sleeper", .nice = 0, .sleeper = 1 },
	{ .name = "hog+19", .nice = 19 },
	{ .name = "hog0", .nice = SCHED_HOG0_NICE },
	{ .name = "hog-20", .nice = -20 },
};
static unsigned long sched_end;

static void sched_thread_done(struct sched_thread *t)
{
	t->ran = current->utime + current->stime;
	t->nvcsw = current->nvcsw;
	t->nivcsw = current->nivcsw;
}

/* A CPU hog: spins until the second is over, yielding only when the scheduler asks (cond_resched). */
static int hog(void *arg)
{
	struct sched_thread *t = arg;
	unsigned long now, last = jiffies;

	for (;;) {
		now = jiffies;
		if (now - last > t->max_wait)
			t->max_wait = now - last;
		last = now;
		if (!time_before(now, sched_end))
			break;
		cond_resched();
	}
	sched_thread_done(t);
	return 0;
}

/* The sleeper: 10 ms asleep, a moment awake, over and over; notes when its prio turns interactive. */
static int sleeper(void *arg)
{
	struct sched_thread *t = arg;

	t->best_prio = current->prio;
	while (time_before(jiffies, sched_end)) {
		unsigned long due = jiffies + 10;

		set_current_state(TASK_INTERRUPTIBLE);
		schedule_timeout(10);
		t->wakeups++;
		if (jiffies - due > t->max_late)
			t->max_late = jiffies - due;
		if (current->prio < t->best_prio)
			t->best_prio = current->prio;
		if (!t->interactive_at && task_interactive(current->prio, current->static_prio)) {
			t->interactive_at = jiffies;
			printk("sched: pid %d (%s) interactive at jiffies %lu: prio %d, sleep_avg %lu ms "
			       "(bonus %d)\n", current->pid, current->comm, jiffies, current->prio,
			       current->sleep_avg / 1000000, current_bonus(current->sleep_avg));
		}
	}
	sched_thread_done(t);
	return 0;
}

/* Start the four threads, each reniced before it first runs. */
static void sched_start_threads(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sched_threads); i++) {
		struct sched_thread *t = &sched_threads[i];
		struct task_struct *p;

		t->pid = kernel_thread_named(t->name, t->sleeper ? sleeper : hog, t, KTHREAD_FLAGS);
		p = find_task_by_pid(t->pid);
		BUG_ON(!p);
		set_user_nice(p, t->nice);
		printk("sched: pid %d (%s) nice %d: static_prio %d prio %d, task_timeslice %u\n", p->pid,
		       p->comm, t->nice, p->static_prio, p->prio, task_timeslice(p->static_prio));
	}
}

/* Check the claims: refill slices of 800/100/5, an interactive sleeper, a swap, nobody starved
 * (every thread ran, and none waited longer than STARVATION_LIMIT ticks between turns). */
static int sched_report(void)
{
	int ok = 1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sched_threads); i++) {
		struct sched_thread *t = &sched_threads[i];

		printk("sched: pid %d (%s) nice %d: ran %lu ticks, longest wait %lu ticks, %lu/%lu "
		       "voluntary/involuntary switches\n", t->pid, t->name, t->nice, t->ran,
		       t->sleeper ? t->max_late : t->max_wait, t->nvcsw, t->nivcsw);
		if (!t->ran && !t->sleeper)
			ok = 0;
		if ((t->sleeper ? t->max_late : t->max_wait) >= STARVATION_LIMIT)
			ok = 0;
	}
	printk("sched: sleeper woke %lu times, best prio %d, interactive since jiffies %lu\n",
	       sched_threads[0].wakeups, sched_threads[0].best_prio, sched_threads[0].interactive_at);
	printk("sched: slices nice -20/0/+19 = %u/%u/%u ticks, %lu active/expired swaps\n",
	       task_timeslice(nice_to_prio(-20)), task_timeslice(nice_to_prio(0)),
	       task_timeslice(nice_to_prio(19)), sched_array_swaps);
	if (!sched_threads[0].interactive_at || !sched_array_swaps || !sched_threads[0].wakeups)
		ok = 0;
	printk("sched: %s\n", ok ? "ok" : "FAILED");
	return ok ? FS_EXIT_OK : FS_EXIT_SCENARIO;
}

/* "sched.ticks=N" on the kernel command line (N > 0), else SCHED_RUN_TICKS. */
static unsigned long sched_run_ticks(void)
{
	long n = cmdline_number(saved_command_line, "sched.ticks");

	return n > 0 ? (unsigned long)n : SCHED_RUN_TICKS;
}

int scenario_sched(void)
{
	sched_debug = 1;
	sched_end = jiffies + sched_run_ticks();
	printk("sched: running until jiffies %lu\n", sched_end);
	sched_start_threads();
	reap_all_children();
	sched_debug = 0;
	return sched_report();
}

/* ---- forkstorm: fork until max_threads refuses, then reap everything ---- */

static int storm_child(void *arg)
{
	(void)arg;
	return 0;
}

int scenario_forkstorm(void)
{
	struct mm_counts before, after;
	int created = 0, reaped, ok;
	long pid;

	read_mm_counts(&before);
	printk("forkstorm: nr_threads %d, max_threads %d\n", nr_threads, max_threads);
	print_mm_counts("forkstorm: before", &before);
	for (;;) {
		pid = kernel_thread_named("storm", storm_child, NULL, KTHREAD_FLAGS);
		if (pid < 0)
			break;
		created++;
	}
	printk("forkstorm: fork #%d returned %ld (%s) at nr_threads %d, max_threads %d\n", created + 1,
	       pid, pid == -EAGAIN ? "-EAGAIN" : "unexpected", nr_threads, max_threads);
	reaped = reap_all_children();
	read_mm_counts(&after);
	print_mm_counts("forkstorm: after", &after);
	ok = pid == -EAGAIN && created == max_threads - 1 && reaped == created &&
	     same_mm_counts(&before, &after) && nr_threads == 1;
	printk("forkstorm: %d created, %d reaped, counts %s: %s\n", created, reaped,
	       same_mm_counts(&before, &after) ? "restored" : "NOT restored", ok ? "ok" : "FAILED");
	return ok ? FS_EXIT_OK : FS_EXIT_SCENARIO;
}

/* ---- bugon: a self-check firing on purpose ---- */

/* A CLONE_STOPPED child is TASK_STOPPED; queueing it as a new task breaks wake_up_new_task()'s
 * BUG_ON(p->state != TASK_RUNNING), which prints file:line and exits with FS_EXIT_BUG. */
int scenario_bugon(void)
{
	long pid = kernel_thread_named("stopped", storm_child, NULL, KTHREAD_FLAGS | CLONE_STOPPED);
	struct task_struct *p = find_task_by_pid(pid);

	BUG_ON(!p);
	printk("bugon: pid %ld is TASK_STOPPED (state %ld); wake_up_new_task() must refuse it\n", pid,
	       p->state);
	wake_up_new_task(p, CLONE_VM);
	printk("bugon: the BUG_ON did not fire\n");
	return FS_EXIT_SCENARIO;
}
