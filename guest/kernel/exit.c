/*
 * kernel/exit.c: how a task ends (do_exit -> exit_notify -> schedule, never to return), how its parent
 * collects it (do_wait -> wait_task_zombie -> release_task), and swapper's reaping of init.
 *
 * A task's memory goes in two steps, as in 2.6.12: its own reference is dropped by
 * finish_task_switch() once it has switched away for the last time, its parent's by release_task().
 * Whichever comes second frees the task_struct and the stack.
 */
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/interrupt.h>
#include <asm/mmu_context.h>
#include <asm/uaccess.h>
#include <asm/system.h>
#include <abi.h>

void kernel_shutdown(int init_status) __noreturn;	/* init/main.c */

/* __unhash_process + the rest of release_task: unlink p, give back its pid, feed its leftover slice
 * and sleep_avg to the parent, drop the parent's reference. p is EXIT_DEAD: reaped by its parent, or
 * (exit_signal -1) releasing itself in exit_notify, its own reference keeping it alive until it has
 * switched away. */
void release_task(struct task_struct *p)
{
	unsigned long flags;

	local_irq_save(flags);
	atomic_dec(&p->user->processes);
	nr_threads--;
	list_del(&p->tasks);
	list_del(&p->sibling);
	free_pidmap(p->pid);
	sched_exit(p);
	local_irq_restore(flags);
	release_thread(p);
	put_task_struct(p);
}

/* reparent: p's children go to `reaper` (init, or swapper once init itself is leaving); zombies among
 * them notify the new parent. */
static void forget_original_parent(struct task_struct *father, struct task_struct *reaper)
{
	struct list_head *pos, *n;

	list_for_each_safe(pos, n, &father->children) {
		struct task_struct *p = list_entry(pos, struct task_struct, sibling);

		list_del(&p->sibling);
		p->real_parent = p->parent = reaper;
		list_add_tail(&p->sibling, &reaper->children);
		if (p->exit_state == EXIT_ZOMBIE)
			wake_up_interruptible_sync(&reaper->wait_chldexit);
	}
}

/* do_notify_parent: tell the parent a child died: the wake-up of a parent sleeping in do_wait()
 * (2.6.12 also sends exit_signal, SIGCHLD; not modelled - without a handler it is ignored anyway). */
static void do_notify_parent(struct task_struct *tsk)
{
	wake_up_interruptible_sync(&tsk->parent->wait_chldexit);
}

/* exit_notify: become a zombie, hand the children on, tell the parent. A task nobody waits for
 * (exit_signal -1, a detached thread) goes straight to EXIT_DEAD and is released by itself. */
static void exit_notify(struct task_struct *tsk)
{
	struct task_struct *reaper = tsk == child_reaper || !child_reaper ? &init_task : child_reaper;

	local_irq_disable();
	forget_original_parent(tsk, reaper);
	tsk->exit_state = EXIT_ZOMBIE;
	if (tsk->exit_signal == -1) {
		tsk->exit_state = EXIT_DEAD;
		release_task(tsk);	/* safe: our own reference keeps the memory until we switch */
	} else {
		do_notify_parent(tsk);
	}
	local_irq_enable();
}

/*
 * exit_mm: the task gives up its address space. It keeps running on it (as its active_mm, like a
 * kernel thread) until its last switch, which hands the reference to finish_task_switch(); the last
 * user frees the pages here and now (mmput).
 */
static void exit_mm(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	if (!mm)
		return;
	BUG_ON(mm != tsk->active_mm);
	atomic_inc(&mm->mm_count);
	local_irq_disable();
	tsk->mm = NULL;
	enter_lazy_tlb(mm, tsk);
	local_irq_enable();
	mmput(mm);
}

/*
 * do_exit: end the current task with `code` (kernel_thread_helper passes fn's return value). Logs the
 * exit, becomes a zombie, and schedules away for the last time; PF_DEAD makes schedule() drop it from
 * the runqueue. Does not return. Swapper may not exit; init may (forkscope: its parent, swapper, reaps
 * it and shuts the machine down - 2.6.12 panics "Attempted to kill init!").
 */
fastcall void do_exit(long code)
{
	struct task_struct *tsk = current;

	BUG_ON(in_interrupt());
	BUG_ON(tsk->pid == 0);
	BUG_ON(tsk->flags & PF_EXITING);
	tsk->flags |= PF_EXITING;
	tsk->exit_code = code;
	if (lifecycle_log)
		printk(KERN_INFO "exit: pid %d (%s) parent %d prio %d slice %u code %ld jiffies %lu\n", tsk->pid,
		       tsk->comm, tsk->parent->pid, tsk->prio, tsk->time_slice, code, jiffies);
	exit_mm(tsk);
	exit_sighand(tsk);
	exit_notify(tsk);
	local_irq_disable();
	tsk->flags |= PF_DEAD;
	schedule();
	BUG();		/* a dead task was scheduled again */
	for (;;)
		;
}

/* eligible_child: does p match wait's pid argument (-1 any, > 0 that pid) and the __WCLONE/__WALL
 * rule (children that do not signal SIGCHLD, like kernel threads, need __WCLONE or __WALL)? */
static int eligible_child(pid_t pid, int options, struct task_struct *p)
{
	if (pid > 0 && p->pid != pid)
		return 0;
	if (((p->exit_signal != SIGCHLD) ^ ((options & __WCLONE) != 0)) && !(options & __WALL))
		return 0;
	return 1;
}

/* wait_task_zombie: collect p's status and release it. Returns its pid, or -EFAULT (p left a zombie)
 * if the status cannot be stored. */
static int wait_task_zombie(struct task_struct *p, int __user *stat_addr)
{
	int pid = p->pid;

	if (stat_addr && put_user(p->exit_code, stat_addr))
		return -EFAULT;
	p->exit_state = EXIT_DEAD;
	if (lifecycle_log)
		printk(KERN_INFO "reap: pid %d (%s) by %d status %d\n", pid, p->comm, current->pid, p->exit_code);
	release_task(p);
	return pid;
}

/*
 * sys_wait4 (do_wait): reap one zombie child matching pid/options. Sleeps (TASK_INTERRUPTIBLE on
 * wait_chldexit) while matching children live, unless WNOHANG. Returns the reaped pid, 0 (WNOHANG,
 * none ready), -ECHILD (no matching children), -EINTR (a signal came first) or -EFAULT (stat_addr
 * cannot be written). stat_addr is a user pointer for a user process, a kernel one for a kernel
 * thread (asm/uaccess.h); ru is ignored.
 */
long sys_wait4(pid_t pid, int *stat_addr, int options, void *ru)
{
	struct task_struct *tsk = current;
	wait_queue_t wait;
	long retval;

	(void)ru;
	init_waitqueue_entry(&wait, tsk);
	add_wait_queue(&tsk->wait_chldexit, &wait);
	for (;;) {
		struct list_head *pos;
		int flag = 0;

		set_current_state(TASK_INTERRUPTIBLE);
		local_irq_disable();
		list_for_each(pos, &tsk->children) {
			struct task_struct *p = list_entry(pos, struct task_struct, sibling);

			if (!eligible_child(pid, options, p))
				continue;
			flag = 1;
			if (p->exit_state == EXIT_ZOMBIE) {
				local_irq_enable();
				retval = wait_task_zombie(p, stat_addr);
				goto end;
			}
		}
		local_irq_enable();
		retval = -ECHILD;
		if (!flag)
			break;
		retval = 0;
		if (options & WNOHANG)
			break;
		retval = -EINTR;	/* 2.6.12: -ERESTARTSYS, restarted only for a handler */
		if (signal_pending(tsk))
			break;
		schedule();
	}
end:
	set_current_state(TASK_RUNNING);
	remove_wait_queue(&tsk->wait_chldexit, &wait);
	return retval;
}

/*
 * reap_idle_children: swapper's non-blocking wait (cpu_idle calls it after each schedule()). Zombie
 * children of swapper - init, and anything orphaned after init left - are released; once init has
 * been reaped and nothing else is left, the machine shuts down with init's status.
 */
int reap_idle_children(void)
{
	static int init_status = -1;
	int status = 0, reaped = 0;
	long pid;

	BUG_ON(current != &init_task);
	while ((pid = sys_wait4(-1, &status, WNOHANG | __WALL, NULL)) > 0) {
		reaped++;
		if (pid == 1)
			init_status = status;
	}
	if (init_status >= 0 && nr_threads == 0)
		kernel_shutdown(init_status);
	return reaped;
}
