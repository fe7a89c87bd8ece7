/*
 * kernel/signal.c: kill() and the default actions of signals - the part of 2.6.12's signal code a
 * process needs to end another one: a pending set per task, sent by kill(), noticed on the way back
 * to user mode (entry.S work_notifysig -> do_notify_resume -> do_signal), which ends the task as the
 * signal's default action says. An interruptible sleep (nanosleep, waitpid, a console read) is woken
 * by it and returns -EINTR.
 *
 * Not modelled (each says so where it matters): handlers (sigaction, sigreturn and the signal frame),
 * blocking masks, process groups (kill with pid <= 0 is -EINVAL), real-time signals (32..64, -EINVAL),
 * and stopping (SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU are ignored, as SIGCONT is: there is no stopped
 * state to enter or leave).
 */
#include <linux/sched.h>
#include <asm/system.h>
#include <asm/ptrace.h>

#define SIGKILL		9
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19
#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22
#define SIGURG		23
#define SIGWINCH	28
#define _NSIG_KILL	32	/* 1..31: the classic signals */

#define sigmask(sig)	(1UL << ((sig) - 1))

/* Signals whose default action is to do nothing (2.6.12's SIG_KERNEL_IGNORE_MASK), and those that
 * would stop or continue the task: both are dropped when sent. */
#define SIG_IGNORED_MASK (sigmask(SIGCHLD) | sigmask(SIGURG) | sigmask(SIGWINCH) | sigmask(SIGCONT) | \
			  sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))

/* check_kill_permission: root may signal anyone; another user only its own processes (2.6.12 compares
 * the sender's uid and euid with the target's uid and suid; there is one uid per task here). */
static int check_kill_permission(int sig, struct task_struct *t)
{
	(void)sig;
	if (current->uid == 0 || current->uid == t->uid)
		return 0;
	return -EPERM;
}

/*
 * send_signal: mark sig pending in t and wake t if it sleeps interruptibly (signal_wake_up). Dropped:
 * ignored-by-default signals; anything sent to a kernel thread, which takes no signals (2.6.12's
 * daemonize() blocks them all); and, as 2.6.12 does for init, a signal to pid 1 that init has no
 * handler for - which is every signal here.
 */
static void send_signal(int sig, struct task_struct *t)
{
	unsigned long flags;

	if (sigmask(sig) & SIG_IGNORED_MASK)
		return;
	if (!t->mm || t == child_reaper || t->exit_state)
		return;
	local_irq_save(flags);
	t->pending |= sigmask(sig);
	set_ti_thread_flag(t->thread_info, TIF_SIGPENDING);
	if (t->state & TASK_INTERRUPTIBLE)
		try_to_wake_up(t, TASK_INTERRUPTIBLE, 0);
	local_irq_restore(flags);
}

/* sys_kill: sig 0 only checks that pid exists and may be signalled. */
asmlinkage long sys_kill(int pid, int sig);
asmlinkage long sys_kill(int pid, int sig)
{
	struct task_struct *t;
	int err;

	if (sig < 0 || sig >= _NSIG_KILL)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;	/* process groups and "everyone" (pid 0, -1, -pgrp): not modelled */
	t = find_task_by_pid(pid);
	if (!t || t == &init_task)
		return -ESRCH;	/* a zombie still exists until it is reaped: 0, and nothing happens */
	err = check_kill_permission(sig, t);
	if (err || !sig)
		return err;
	send_signal(sig, t);
	return 0;
}

/*
 * do_signal: on the way back to user mode with TIF_SIGPENDING set. Every signal that reaches here
 * terminates (its default action: no handlers, and the ignored ones were never queued), the lowest
 * number first as 2.6.12's next_signal() picks it. The exit code is the signal number, so the
 * parent's wait sees WIFSIGNALED with WTERMSIG = sig (no core dumps: bit 7 stays clear).
 */
static void do_signal(struct pt_regs *regs)
{
	struct task_struct *tsk = current;
	unsigned long pending, flags;
	int sig;

	(void)regs;
	local_irq_save(flags);	/* entry.S calls with interrupts off and goes on to restore_all */
	pending = tsk->pending;
	tsk->pending = 0;
	clear_thread_flag(TIF_SIGPENDING);
	if (!pending) {
		local_irq_restore(flags);
		return;
	}
	local_irq_enable();
	for (sig = 1; !(pending & sigmask(sig)); sig++)
		;
	printk(KERN_INFO "signal: pid %d (%s) killed by signal %d\n", tsk->pid, tsk->comm, sig);
	do_exit(sig);
}

/* do_notify_resume (2.6.12: arch/i386/kernel/signal.c): only for a return to user mode. */
fastcall void do_notify_resume(struct pt_regs *regs, void *oldset);
fastcall void do_notify_resume(struct pt_regs *regs, void *oldset)
{
	(void)oldset;
	clear_thread_flag(TIF_NOTIFY_RESUME);
	if (!user_mode(regs)) {
		clear_thread_flag(TIF_SIGPENDING);
		return;
	}
	if (test_thread_flag(TIF_SIGPENDING))
		do_signal(regs);
}
