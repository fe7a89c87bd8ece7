/*
 * kernel/sched.c: the O(1) scheduler of Linux 2.6.12 on one CPU - a runqueue with an active and an
 * expired priority array (140 lists and a bitmap each), sleep_avg-based dynamic priorities, time slices
 * that refill into the expired array, and the swap of the two arrays when the active one runs dry.
 * The arithmetic (effective_prio, CURRENT_BONUS, task_timeslice, the sleep_avg updates) is in
 * sched_math.h, shared with the host's tests. Left out: SMP balancing, real-time policies' tick
 * handling, schedstats, sched domains.
 *
 * Locking: one CPU, so "taking rq->lock" is disabling interrupts (the timer interrupt is the only
 * other path into the runqueue).
 */
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <asm/bitops.h>
#include <asm/mmu_context.h>
#include <asm/system.h>
#include "sched_math.h"

#define BITMAP_SIZE ((((MAX_PRIO + 1 + 7) / 8) + sizeof(long) - 1) / sizeof(long))

typedef struct prio_array prio_array_t;
struct prio_array {
	unsigned int nr_active;
	unsigned long bitmap[BITMAP_SIZE];	/* bit p set <=> queue[p] not empty; bit 140 sentinel */
	struct list_head queue[MAX_PRIO];
};

typedef struct runqueue runqueue_t;
struct runqueue {
	unsigned long nr_running;		/* tasks in either array */
	unsigned long long nr_switches;
	unsigned long expired_timestamp;	/* jiffies when the first task expired, 0 if none */
	unsigned long nr_uninterruptible;
	unsigned long long timestamp_last_tick;
	task_t *curr, *idle;
	struct mm_struct *prev_mm;
	prio_array_t *active, *expired, arrays[2];
	int best_expired_prio;			/* best static_prio in the expired array */
	atomic_t nr_iowait;
};

/* per_cpu(runqueues) in 2.6.12; one CPU here. Host inspectors find it by symbol (abi.h RQ_*). */
struct runqueue runqueues;
#define this_rq()	(&runqueues)
#define task_rq(p)	this_rq()

_Static_assert(offsetof(struct prio_array, nr_active) == PRIO_ARRAY_NR_ACTIVE, "abi.h");
_Static_assert(offsetof(struct prio_array, bitmap) == PRIO_ARRAY_BITMAP, "abi.h");
_Static_assert(offsetof(struct prio_array, queue) == PRIO_ARRAY_QUEUE, "abi.h");
_Static_assert(sizeof(struct prio_array) == PRIO_ARRAY_SIZE, "abi.h");
_Static_assert(offsetof(struct runqueue, nr_running) == RQ_NR_RUNNING, "abi.h");
_Static_assert(offsetof(struct runqueue, nr_switches) == RQ_NR_SWITCHES, "abi.h");
_Static_assert(offsetof(struct runqueue, expired_timestamp) == RQ_EXPIRED_TIMESTAMP, "abi.h");
_Static_assert(offsetof(struct runqueue, curr) == RQ_CURR, "abi.h");
_Static_assert(offsetof(struct runqueue, idle) == RQ_IDLE, "abi.h");
_Static_assert(offsetof(struct runqueue, active) == RQ_ACTIVE, "abi.h");
_Static_assert(offsetof(struct runqueue, expired) == RQ_EXPIRED, "abi.h");
_Static_assert(offsetof(struct runqueue, arrays) == RQ_ARRAYS, "abi.h");
_Static_assert(offsetof(struct runqueue, best_expired_prio) == RQ_BEST_EXPIRED_PRIO, "abi.h");
_Static_assert(MAX_PRIO == MAX_PRIO_ABI, "abi.h");

int sched_debug;			/* log slice expiries and array swaps */
unsigned long sched_array_swaps;	/* active/expired swaps so far */

/* sched_clock: ns since boot from the tick count (2.6.12's non-TSC fallback). Deterministic: the same
 * run gives the same timestamps, at jiffy granularity. */
unsigned long long sched_clock(void)
{
	return get_jiffies_64() * (1000000000ULL / HZ);
}

#define task_effective_prio(p) \
	effective_prio((p)->prio, (p)->static_prio, (p)->sleep_avg, rt_task(p))
#define TASK_INTERACTIVE(p)	task_interactive((p)->prio, (p)->static_prio)
#define TASK_PREEMPTS_CURR(p, rq) ((p)->prio < (rq)->curr->prio)
#define CURRENT_BONUS(p)	current_bonus((p)->sleep_avg)
#define EXPIRED_STARVING(rq) \
	expired_starving((rq)->expired_timestamp, jiffies, (rq)->nr_running, \
			 (rq)->curr->static_prio, (rq)->best_expired_prio)

static inline int task_running(runqueue_t *rq, task_t *p)
{
	return rq->curr == p;
}

/* dequeue_task: take p off its priority list; clear the bitmap bit if the list empties. */
static void dequeue_task(struct task_struct *p, prio_array_t *array)
{
	array->nr_active--;
	list_del(&p->run_list);
	if (list_empty(array->queue + p->prio))
		__clear_bit(p->prio, array->bitmap);
}

/* enqueue_task: append p to the list of its prio in array. */
static void enqueue_task(struct task_struct *p, prio_array_t *array)
{
	list_add_tail(&p->run_list, array->queue + p->prio);
	__set_bit(p->prio, array->bitmap);
	array->nr_active++;
	p->array = array;
}

/* requeue_task: move p to the tail of its list (round robin among equals). */
static void requeue_task(struct task_struct *p, prio_array_t *array)
{
	list_move_tail(&p->run_list, array->queue + p->prio);
}

static inline void __activate_task(task_t *p, runqueue_t *rq)
{
	enqueue_task(p, rq->active);
	rq->nr_running++;
}

/* recalc_task_prio: credit the time p slept (now - timestamp) to its sleep_avg, then recompute prio. */
static void recalc_task_prio(task_t *p, unsigned long long now)
{
	p->sleep_avg = recalc_sleep_avg(p->sleep_avg, now - p->timestamp, p->activated, p->mm != NULL,
					p->static_prio);
	p->prio = task_effective_prio(p);
}

/* activate_task: put a woken task on the active array. A task woken from an interrupt is credited
 * later with all its wait on the runqueue (activated 2), one woken by a task with 30% (1). */
static void activate_task(task_t *p, runqueue_t *rq)
{
	unsigned long long now = sched_clock();

	recalc_task_prio(p, now);
	if (!p->activated)
		p->activated = in_interrupt() ? 2 : 1;
	p->timestamp = now;
	__activate_task(p, rq);
}

/* deactivate_task: take a task that stopped being runnable off the runqueue. */
static void deactivate_task(struct task_struct *p, runqueue_t *rq)
{
	rq->nr_running--;
	dequeue_task(p, p->array);
	p->array = NULL;
}

/* resched_task: ask p to call schedule() at its next opportunity (one CPU: just the flag). */
static inline void resched_task(task_t *p)
{
	set_tsk_need_resched(p);
}

/*
 * try_to_wake_up: make p runnable if its state is in `state`. Returns 1 if it was woken. A woken task
 * that beats the running one sets need_resched (unless sync: the waker is about to sleep anyway).
 */
int try_to_wake_up(task_t *p, unsigned int state, int sync)
{
	runqueue_t *rq = task_rq(p);
	unsigned long flags;
	long old_state;
	int success = 0;

	local_irq_save(flags);
	old_state = p->state;
	if (!(old_state & state))
		goto out;
	if (p->array)
		goto out_running;
	if (old_state == TASK_UNINTERRUPTIBLE) {
		rq->nr_uninterruptible--;
		p->activated = -1;
	}
	activate_task(p, rq);
	if (!sync && TASK_PREEMPTS_CURR(p, rq))
		resched_task(rq->curr);
	success = 1;
out_running:
	p->state = TASK_RUNNING;
out:
	local_irq_restore(flags);
	return success;
}

int wake_up_process(task_t *p)
{
	return try_to_wake_up(p, TASK_STOPPED | TASK_TRACED | TASK_INTERRUPTIBLE |
			      TASK_UNINTERRUPTIBLE, 0);
}

/*
 * sched_fork: scheduler state of a new task, called from copy_process() after copy_thread(). The child
 * is RUNNING but on no array, so nothing can wake or run it before wake_up_new_task(). Parent and child
 * split the parent's remaining slice, so forking creates no CPU time; a parent left with nothing keeps
 * one tick and scheduler_tick() expires it right away.
 */
fastcall void sched_fork(task_t *p)
{
	unsigned int slice;

	p->state = TASK_RUNNING;
	INIT_LIST_HEAD(&p->run_list);
	p->array = NULL;
	local_irq_disable();
	slice = current->time_slice;
	p->time_slice = fork_child_slice(slice);
	p->first_time_slice = 1;
	current->time_slice = fork_parent_slice(slice);
	p->timestamp = sched_clock();
	if (unlikely(!current->time_slice)) {
		current->time_slice = 1;
		scheduler_tick();
	}
	local_irq_enable();
}

/*
 * wake_up_new_task: queue a task fresh from copy_process(). Both child and parent lose some sleep_avg
 * (CHILD_PENALTY, PARENT_PENALTY) so interactive tasks cannot fork interactive tasks. A real fork (no
 * CLONE_VM) queues the child just ahead of the parent, at the parent's prio, and asks for a reschedule:
 * the child runs first (it will likely exec). A kernel thread (CLONE_VM) waits its turn.
 */
fastcall void wake_up_new_task(task_t *p, unsigned long clone_flags)
{
	runqueue_t *rq = task_rq(p);
	unsigned long flags;

	local_irq_save(flags);
	BUG_ON(p->state != TASK_RUNNING);
	p->sleep_avg = new_task_sleep_avg(p->sleep_avg, CHILD_PENALTY);
	p->prio = task_effective_prio(p);
	if (!(clone_flags & CLONE_VM)) {
		if (unlikely(!current->array)) {
			__activate_task(p, rq);
		} else {
			p->prio = current->prio;
			list_add_tail(&p->run_list, &current->run_list);
			p->array = current->array;
			p->array->nr_active++;
			rq->nr_running++;
		}
		set_tsk_need_resched(current);
	} else {
		__activate_task(p, rq);
	}
	current->sleep_avg = new_task_sleep_avg(current->sleep_avg, PARENT_PENALTY);
	local_irq_restore(flags);
}

/* sched_exit: called by release_task(). A child that dies on its first slice hands the rest back to its
 * parent; a child that slept less than its parent lowers the parent's sleep_avg. */
fastcall void sched_exit(task_t *p)
{
	task_t *parent = p->parent;
	unsigned long flags;

	local_irq_save(flags);
	if (p->first_time_slice)
		parent->time_slice = exit_parent_slice(parent->time_slice, p->time_slice,
						       p->static_prio);
	parent->sleep_avg = exit_parent_sleep_avg(parent->sleep_avg, p->sleep_avg);
	local_irq_restore(flags);
}

/*
 * finish_task_switch: the first thing done on the new task's stack. Re-enables interrupts (the
 * runqueue "unlock"), drops the address space a kernel thread or a dying task left behind
 * (rq->prev_mm, see context_switch), and drops the reference a dead prev held on itself: its
 * task_struct and stack go once its parent has reaped it too.
 */
static void finish_task_switch(task_t *prev)
{
	runqueue_t *rq = this_rq();
	struct mm_struct *mm = rq->prev_mm;
	unsigned long prev_task_flags = prev->flags;

	rq->prev_mm = NULL;
	local_irq_enable();
	if (mm)
		mmdrop(mm);
	if (unlikely(prev_task_flags & PF_DEAD))
		put_task_struct(prev);
}

/* schedule_tail: first C code of a new task (ret_from_fork calls it with prev in the pushed eax). */
asmlinkage void schedule_tail(task_t *prev)
{
	finish_task_switch(prev);
}

/*
 * context_switch: switch the address space, then stacks and registers. A kernel thread (no mm of its
 * own) runs on whatever was loaded and holds a reference to it as its active_mm; when a task without
 * an mm (a kernel thread, or a task that has exited, exit_mm) switches away, that borrowed reference
 * is handed to finish_task_switch() through rq->prev_mm, to be dropped on the other side.
 */
static inline task_t *context_switch(runqueue_t *rq, task_t *prev, task_t *next)
{
	struct mm_struct *mm = next->mm;
	struct mm_struct *oldmm = prev->active_mm;

	if (unlikely(!mm)) {
		next->active_mm = oldmm;
		atomic_inc(&oldmm->mm_count);
		enter_lazy_tlb(oldmm, next);
	} else {
		switch_mm(oldmm, mm, next);
	}
	if (unlikely(!prev->mm)) {
		prev->active_mm = NULL;
		BUG_ON(rq->prev_mm);
		rq->prev_mm = oldmm;
	}
	switch_to(prev, next, prev);
	return prev;
}

unsigned long nr_running(void)
{
	return this_rq()->nr_running;
}

unsigned long long nr_context_switches(void)
{
	return this_rq()->nr_switches;
}

/*
 * scheduler_tick: charge the running task one tick (called from the timer interrupt with interrupts
 * off, and from sched_fork). When its slice runs out it gets a new one at a recomputed prio, into the
 * expired array - or back into the active one if it is interactive and the expired tasks are not
 * starving. An interactive task also yields to its equals every TIMESLICE_GRANULARITY ticks.
 */
void scheduler_tick(void)
{
	runqueue_t *rq = this_rq();
	task_t *p = current;

	rq->timestamp_last_tick = sched_clock();
	if (p == rq->idle)
		return;
	if (p->array != rq->active) {	/* expired already, not yet scheduled off */
		set_tsk_need_resched(p);
		return;
	}
	if (!--p->time_slice) {
		dequeue_task(p, rq->active);
		set_tsk_need_resched(p);
		p->prio = task_effective_prio(p);
		p->time_slice = task_timeslice(p->static_prio);
		p->first_time_slice = 0;
		if (!rq->expired_timestamp)
			rq->expired_timestamp = jiffies;
		if (!TASK_INTERACTIVE(p) || EXPIRED_STARVING(rq)) {
			enqueue_task(p, rq->expired);
			if (p->static_prio < rq->best_expired_prio)
				rq->best_expired_prio = p->static_prio;
		} else {
			enqueue_task(p, rq->active);
		}
		if (sched_debug)
			printk(KERN_INFO "tick: pid %d (%s) slice expired at jiffies %lu: prio %d, new slice %u -> %s\n",
			       p->pid, p->comm, jiffies, p->prio, p->time_slice,
			       p->array == rq->expired ? "expired" : "active");
	} else if (TASK_INTERACTIVE(p) &&
		   !((task_timeslice(p->static_prio) - p->time_slice) %
		     timeslice_granularity(p->sleep_avg)) &&
		   p->time_slice >= timeslice_granularity(p->sleep_avg) && p->array == rq->active) {
		requeue_task(p, rq->active);
		set_tsk_need_resched(p);
	}
}

/* Pick the next task: the first of the best non-empty priority list of the active array, swapping in
 * the expired array when the active one is empty. Called with interrupts off and nr_running > 0. */
static task_t *pick_next_task(runqueue_t *rq, unsigned long long now)
{
	prio_array_t *array = rq->active;
	task_t *next;
	int idx;

	if (unlikely(!array->nr_active)) {
		rq->active = rq->expired;
		rq->expired = array;
		array = rq->active;
		rq->expired_timestamp = 0;
		rq->best_expired_prio = MAX_PRIO;
		sched_array_swaps++;
		if (sched_debug)
			printk(KERN_INFO "sched: swap active/expired at jiffies %lu (%u tasks)\n", jiffies,
			       array->nr_active);
	}
	idx = sched_find_first_bit(array->bitmap);
	next = list_entry(array->queue[idx].next, task_t, run_list);
	if (!rt_task(next) && next->activated > 0) {
		unsigned long long delta = now - next->timestamp;

		if ((long long)delta < 0)
			delta = 0;
		delta = on_runqueue_credit(delta, next->activated);
		array = next->array;
		dequeue_task(next, array);
		recalc_task_prio(next, next->timestamp + delta);
		enqueue_task(next, array);
	}
	next->activated = 0;
	return next;
}

/*
 * schedule: give the CPU to the best runnable task. prev leaves the runqueue if it is no longer
 * RUNNING (unless it came from cond_resched(), PREEMPT_ACTIVE); its sleep_avg pays for the time it
 * ran. Returns when prev is chosen again. Must not be called from interrupt context.
 */
asmlinkage void schedule(void)
{
	task_t *prev, *next;
	runqueue_t *rq;
	unsigned long long now;
	unsigned long run_time;
	unsigned long *switch_count;

need_resched:
	BUG_ON(in_atomic());
	prev = current;
	rq = this_rq();
	BUG_ON(prev == rq->idle && prev->state != TASK_RUNNING);
	now = sched_clock();
	run_time = charged_run_time((long long)(now - prev->timestamp), prev->sleep_avg);

	local_irq_disable();
	if (unlikely(prev->flags & PF_DEAD))
		prev->state = EXIT_DEAD;
	switch_count = &prev->nivcsw;
	if (prev->state && !(preempt_count() & PREEMPT_ACTIVE)) {
		switch_count = &prev->nvcsw;
		if (unlikely((prev->state & TASK_INTERRUPTIBLE) && signal_pending(prev))) {
			prev->state = TASK_RUNNING;
		} else {
			if (prev->state == TASK_UNINTERRUPTIBLE)
				rq->nr_uninterruptible++;
			deactivate_task(prev, rq);
		}
	}
	if (unlikely(!rq->nr_running)) {
		next = rq->idle;
		rq->expired_timestamp = 0;
	} else {
		next = pick_next_task(rq, now);
	}
	clear_tsk_need_resched(prev);
	prev->sleep_avg = sleep_avg_after_run(prev->sleep_avg, run_time);
	prev->timestamp = prev->last_ran = now;
	if (likely(prev != next)) {
		next->timestamp = now;
		rq->nr_switches++;
		rq->curr = next;
		++*switch_count;
		prev = context_switch(rq, prev, next);
		barrier();
		finish_task_switch(prev);
	} else {
		local_irq_enable();
	}
	if (unlikely(test_thread_flag(TIF_NEED_RESCHED)))
		goto need_resched;
}

/*
 * sys_sched_yield: 2.6.12's - the caller moves to the expired array (a real-time task only to the tail
 * of its list in the active one), so every other runnable task runs before it does again.
 */
asmlinkage long sys_sched_yield(void)
{
	runqueue_t *rq = this_rq();
	prio_array_t *array, *target;

	local_irq_disable();
	array = current->array;
	target = rt_task(current) ? rq->active : rq->expired;
	if (array != target) {
		dequeue_task(current, array);
		enqueue_task(current, target);
	} else {
		requeue_task(current, array);
	}
	local_irq_enable();
	schedule();
	return 0;
}

/* cond_resched: the voluntary preemption point of a non-preemptible kernel. Long-running kernel code
 * calls it; it schedules only if someone asked (need_resched), without leaving the runqueue. */
int cond_resched(void)
{
	if (!need_resched())
		return 0;
	do {
		add_preempt_count(PREEMPT_ACTIVE);
		schedule();
		sub_preempt_count(PREEMPT_ACTIVE);
	} while (need_resched());
	return 1;
}

int task_nice(const task_t *p)
{
	return prio_to_nice(p->static_prio);
}

/* set_user_nice: static_prio becomes NICE_TO_PRIO(nice) and so does prio (2.6.12 moves prio by
 * new_prio - old dynamic prio: the sleep bonus is dropped until the next recalculation). The slice is
 * untouched until it next refills. */
void set_user_nice(task_t *p, long nice)
{
	runqueue_t *rq = task_rq(p);
	prio_array_t *array;
	unsigned long flags;
	int delta;

	if (task_nice(p) == nice || nice < -20 || nice > 19)
		return;
	local_irq_save(flags);
	array = p->array;
	if (array)
		dequeue_task(p, array);
	delta = nice_to_prio(nice) - p->prio;
	p->static_prio = nice_to_prio(nice);
	p->prio += delta;
	if (array) {
		enqueue_task(p, array);
		if (delta < 0 || (delta > 0 && task_running(rq, p)))
			resched_task(rq->curr);
	}
	local_irq_restore(flags);
}

/*
 * sys_nice (2.6.12): add `increment` to the caller's nice value, clamped to -20..19. Only root may
 * raise its priority (a negative increment; 2.6.12 asks capable(CAP_SYS_NICE), which root has and
 * which marks the task PF_SUPERPRIV): anyone else gets -EPERM.
 */
asmlinkage long sys_nice(int increment);
asmlinkage long sys_nice(int increment)
{
	long nice;

	if (increment < 0) {
		if (current->uid != 0)
			return -EPERM;
		current->flags |= PF_SUPERPRIV;
		if (increment < -40)
			increment = -40;
	}
	if (increment > 40)
		increment = 40;
	nice = task_nice(current) + increment;
	if (nice < -20)
		nice = -20;
	if (nice > 19)
		nice = 19;
	set_user_nice(current, nice);
	return 0;
}

/* idle_task_exit: swapper gives back the address space it has been running on lazily and returns to
 * init_mm (2.6.12 does this when a CPU goes offline; forkscope at shutdown, so that the last user page
 * directory is freed before the memory counts are compared). */
void idle_task_exit(void)
{
	struct mm_struct *mm = current->active_mm;

	BUG_ON(current != this_rq()->idle);
	if (mm == &init_mm)
		return;
	switch_mm(mm, &init_mm, current);
	current->active_mm = &init_mm;
	atomic_inc(&init_mm.mm_count);
	mmdrop(mm);
}

/* init_idle: make swapper the idle task - on no array, worst prio, and due to schedule at once. */
static void init_idle(task_t *idle)
{
	runqueue_t *rq = this_rq();

	idle->sleep_avg = 0;
	idle->array = NULL;
	idle->prio = MAX_PRIO;
	idle->state = TASK_RUNNING;
	rq->curr = rq->idle = idle;
	set_tsk_need_resched(idle);
}

/* sched_init: empty runqueue, both arrays with only the bit-140 sentinel set; current becomes idle,
 * running lazily on init_mm like any kernel thread (the reference it holds as its active_mm; init_mm's
 * own count of 1 keeps it forever). */
void sched_init(void)
{
	runqueue_t *rq = this_rq();
	int i, k;

	rq->active = rq->arrays;
	rq->expired = rq->arrays + 1;
	rq->best_expired_prio = MAX_PRIO;
	for (i = 0; i < 2; i++) {
		prio_array_t *array = rq->arrays + i;

		for (k = 0; k < MAX_PRIO; k++)
			INIT_LIST_HEAD(array->queue + k);
		__set_bit(MAX_PRIO, array->bitmap);
	}
	atomic_inc(&init_mm.mm_count);
	enter_lazy_tlb(&init_mm, current);
	init_idle(current);
}
