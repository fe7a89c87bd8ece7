/*
 * kernel/signal.c: sending signals and keeping handlers - 2.6.12's kernel/signal.c for the 31 classic
 * signals: a pending set and a blocked mask per task, handlers per process (struct sighand_struct,
 * shared by CLONE_SIGHAND clones), kill(), sigaction(), signal() and sigprocmask(). A signal sent is
 * marked pending; if it is not blocked the task gets TIF_SIGPENDING and is woken from an interruptible
 * sleep (nanosleep, waitpid, a console read), which then returns -EINTR. On the way back to user mode
 * (entry.S work_notifysig -> do_notify_resume -> do_signal, arch/i386/kernel/signal.c) it is delivered:
 * a handler runs on a signal frame, or the default action ends the task.
 *
 * Not modelled (each says so where it matters): process groups (kill with pid <= 0 is -EINVAL),
 * real-time signals (32..64, -EINVAL), siginfo (SA_SIGINFO handlers get only the number), and stopping
 * (SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU with their default action are ignored, as SIGCONT is: there is
 * no stopped state to enter or leave). A system call interrupted by a caught signal returns -EINTR
 * after the handler has run, whatever SA_RESTART says (2.6.12 would restart it).
 */
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/system.h>
#include <asm/ptrace.h>
#include <asm/uaccess.h>

/* Signals whose default action is to do nothing (2.6.12's SIG_KERNEL_IGNORE_MASK), and those that
 * would stop or continue the task: with SIG_DFL, both are dropped. */
#define SIG_IGNORED_MASK (sigmask(SIGCHLD) | sigmask(SIGURG) | sigmask(SIGWINCH) | sigmask(SIGCONT) | \
			  sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))

struct kmem_cache sighand_cache;

/* Swapper's handlers, all SIG_DFL; init and the kernel threads created with CLONE_SIGHAND share them. */
struct sighand_struct init_sighand = { .count = ATOMIC_INIT(1) };

void signals_init(void)
{
	kmem_cache_create(&sighand_cache, "sighand_cache", sizeof(struct sighand_struct), 32);
}

int sig_kernel_ignore(int sig)
{
	return (sigmask(sig) & SIG_IGNORED_MASK) != 0;
}

/* copy_sighand (fork.c's, kept here with the cache): CLONE_SIGHAND shares the parent's handlers,
 * anything else gets a copy. 0 or -ENOMEM. */
int copy_sighand(unsigned long clone_flags, struct task_struct *tsk)
{
	struct sighand_struct *sig;

	if (clone_flags & CLONE_SIGHAND) {
		atomic_inc(&current->sighand->count);
		tsk->sighand = current->sighand;
		return 0;
	}
	sig = kmem_cache_alloc(&sighand_cache, GFP_KERNEL);
	tsk->sighand = sig;
	if (!sig)
		return -ENOMEM;
	atomic_set(&sig->count, 1);
	memcpy(sig->action, current->sighand->action, sizeof(sig->action));
	return 0;
}

/* exit_sighand: the task stops using its handlers (do_exit, a failed fork); the last user frees them.
 * Nothing is sent to a task without them (send_signal). */
void exit_sighand(struct task_struct *tsk)
{
	struct sighand_struct *sig = tsk->sighand;
	unsigned long flags;

	if (!sig)
		return;
	local_irq_save(flags);
	tsk->sighand = NULL;
	tsk->pending = 0;
	clear_ti_thread_flag(tsk->thread_info, TIF_SIGPENDING);
	local_irq_restore(flags);
	if (atomic_dec_and_test(&sig->count)) {
		BUG_ON(sig == &init_sighand);
		kmem_cache_free(&sighand_cache, sig);
	}
}

/* unshare_sighand: exec gives a task that shares its handlers (init with swapper, a CLONE_SIGHAND
 * clone) its own copy first (2.6.12: de_thread). Done by do_execve before the program is loaded, so
 * that running out of memory is still an error exec can return: -ENOMEM. */
int unshare_sighand(struct task_struct *tsk)
{
	struct sighand_struct *old = tsk->sighand, *sig;

	if (atomic_read(&old->count) == 1)
		return 0;
	sig = kmem_cache_alloc(&sighand_cache, GFP_KERNEL);
	if (!sig)
		return -ENOMEM;
	atomic_set(&sig->count, 1);
	memcpy(sig->action, old->action, sizeof(sig->action));
	tsk->sighand = sig;
	atomic_dec(&old->count);
	return 0;
}

/* flush_signal_handlers: exec forgets the program's handlers - caught signals go back to SIG_DFL,
 * ignored ones stay ignored (unless force_default) - and their flags and masks. */
void flush_signal_handlers(struct task_struct *t, int force_default)
{
	struct k_sigaction *ka = t->sighand->action;
	int i;

	for (i = 0; i < _NSIG_CLASSIC; i++, ka++) {
		if (force_default || ka->sa.sa_handler != SIG_IGN)
			ka->sa.sa_handler = SIG_DFL;
		ka->sa.sa_flags = 0;
		ka->sa.sa_restorer = NULL;
		ka->sa.sa_mask = 0;
	}
}

/* recalc_sigpending_tsk: TIF_SIGPENDING says whether a pending signal is not blocked. */
void recalc_sigpending_tsk(struct task_struct *t)
{
	if (t->pending & ~t->blocked)
		set_ti_thread_flag(t->thread_info, TIF_SIGPENDING);
	else
		clear_ti_thread_flag(t->thread_info, TIF_SIGPENDING);
}

/* dequeue_signal: take the lowest-numbered pending signal that is not blocked (2.6.12's next_signal
 * order), or 0. Interrupts off. */
int dequeue_signal(struct task_struct *tsk)
{
	unsigned long ready = tsk->pending & ~tsk->blocked;
	int sig;

	if (!ready)
		return 0;
	for (sig = 1; !(ready & sigmask(sig)); sig++)
		;
	tsk->pending &= ~sigmask(sig);
	recalc_sigpending_tsk(tsk);
	return sig;
}

/* check_kill_permission: root may signal anyone; another user only its own processes (2.6.12 compares
 * the sender's uid and euid with the target's uid and suid; there is one uid per task here). */
static int check_kill_permission(int sig, struct task_struct *t)
{
	(void)sig;
	if (current->uid == 0 || current->uid == t->uid)
		return 0;
	return -EPERM;
}

/* sig_ignored (2.6.12): a signal that is not blocked and whose handler is SIG_IGN, or SIG_DFL with an
 * ignoring (or here: stopping) default action, is dropped when sent. A blocked one is kept - the
 * handler may change before it is unblocked; do_signal looks again. */
static int sig_ignored(struct task_struct *t, int sig)
{
	__sighandler_t handler;

	if (t->blocked & sigmask(sig))
		return 0;
	handler = t->sighand->action[sig - 1].sa.sa_handler;
	return handler == SIG_IGN || (handler == SIG_DFL && sig_kernel_ignore(sig));
}

/*
 * send_signal: mark sig pending in t and, unless t blocks it, set TIF_SIGPENDING and wake t if it
 * sleeps interruptibly (signal_wake_up). Dropped: ignored signals (sig_ignored); anything sent to a
 * kernel thread, which takes no signals (2.6.12's daemonize() blocks them all), or to a task that has
 * exited; and, as 2.6.12 does for init, a signal to pid 1 that init has no handler for.
 */
static void send_signal(int sig, struct task_struct *t)
{
	unsigned long flags;

	if (!t->mm || t->exit_state || !t->sighand)
		return;
	if (t == child_reaper && t->sighand->action[sig - 1].sa.sa_handler == SIG_DFL)
		return;
	if (sig_ignored(t, sig))
		return;
	local_irq_save(flags);
	t->pending |= sigmask(sig);
	if (!(t->blocked & sigmask(sig))) {
		set_ti_thread_flag(t->thread_info, TIF_SIGPENDING);
		if (t->state & TASK_INTERRUPTIBLE)
			try_to_wake_up(t, TASK_INTERRUPTIBLE, 0);
	}
	local_irq_restore(flags);
}

/* force_sig (2.6.12: force_sig_info): a signal the kernel raises against the task itself (a signal
 * frame it could not write or read back) may not be ignored or blocked: an ignored one reverts to
 * SIG_DFL, a blocked one is unblocked. */
void force_sig(int sig, struct task_struct *p)
{
	struct k_sigaction *ka = &p->sighand->action[sig - 1];
	unsigned long flags;

	local_irq_save(flags);
	if (ka->sa.sa_handler == SIG_IGN)
		ka->sa.sa_handler = SIG_DFL;
	p->blocked &= ~sigmask(sig);
	p->pending |= sigmask(sig);
	recalc_sigpending_tsk(p);
	local_irq_restore(flags);
}

/* force_sigsegv: a handler's frame could not be built. If that handler was SIGSEGV's own, it goes back
 * to SIG_DFL so that the SIGSEGV ends the task instead of looping. */
void force_sigsegv(int sig, struct task_struct *p)
{
	if (sig == SIGSEGV)
		p->sighand->action[SIGSEGV - 1].sa.sa_handler = SIG_DFL;
	force_sig(SIGSEGV, p);
}

/* sys_kill: sig 0 only checks that pid exists and may be signalled. */
asmlinkage long sys_kill(int pid, int sig);
asmlinkage long sys_kill(int pid, int sig)
{
	struct task_struct *t;
	int err;

	if (sig < 0 || sig > _NSIG_CLASSIC)
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

/* rm_from_queue for every task using these handlers: a signal just made ignored is no longer pending. */
static void discard_pending(struct sighand_struct *sighand, int sig)
{
	struct task_struct *p;

	for_each_process(p)
		if (p->sighand == sighand) {
			p->pending &= ~sigmask(sig);
			recalc_sigpending_tsk(p);
		}
}

/*
 * do_sigaction (2.6.12): read the old action into oact, install act. SIGKILL and SIGSTOP cannot be
 * caught or ignored (-EINVAL), nor can either be in a handler's mask. Installing SIG_IGN (or SIG_DFL
 * for a signal ignored by default) discards the signal if it is pending.
 */
static int do_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *oact)
{
	struct k_sigaction *k;
	unsigned long flags;

	if (sig < 1 || sig > _NSIG_CLASSIC || (act && (sigmask(sig) & SIG_KERNEL_ONLY_MASK)))
		return -EINVAL;
	k = &current->sighand->action[sig - 1];
	local_irq_save(flags);
	if (oact)
		*oact = *k;
	if (act) {
		*k = *act;
		k->sa.sa_mask &= ~SIG_KERNEL_ONLY_MASK;
		if (k->sa.sa_handler == SIG_IGN || (k->sa.sa_handler == SIG_DFL && sig_kernel_ignore(sig)))
			discard_pending(current->sighand, sig);
	}
	local_irq_restore(flags);
	return 0;
}

/* sys_sigaction (i386, 67): the old struct - handler, mask, flags, restorer. -EFAULT for an act or
 * oact the caller cannot read or write. */
asmlinkage long sys_sigaction(int sig, const struct old_sigaction __user *act, struct old_sigaction __user *oact);
asmlinkage long sys_sigaction(int sig, const struct old_sigaction __user *act, struct old_sigaction __user *oact)
{
	struct k_sigaction new_ka, old_ka;
	struct old_sigaction o;
	int ret;

	if (act) {
		if (copy_from_user(&o, act, sizeof(o)))
			return -EFAULT;
		new_ka.sa.sa_handler = o.sa_handler;
		new_ka.sa.sa_mask = o.sa_mask;
		new_ka.sa.sa_flags = o.sa_flags;
		new_ka.sa.sa_restorer = o.sa_restorer;
	}
	ret = do_sigaction(sig, act ? &new_ka : NULL, oact ? &old_ka : NULL);
	if (!ret && oact) {
		o.sa_handler = old_ka.sa.sa_handler;
		o.sa_mask = old_ka.sa.sa_mask;
		o.sa_flags = old_ka.sa.sa_flags;
		o.sa_restorer = old_ka.sa.sa_restorer;
		if (copy_to_user(oact, &o, sizeof(o)))
			return -EFAULT;
	}
	return ret;
}

/* sys_signal (48): System V semantics - the handler is reset to SIG_DFL when it runs and does not block
 * its own signal (SA_ONESHOT | SA_NOMASK); no restorer, so the frame's retcode returns from it. Returns
 * the previous handler. */
asmlinkage long sys_signal(int sig, __sighandler_t handler);
asmlinkage long sys_signal(int sig, __sighandler_t handler)
{
	struct k_sigaction new_sa, old_sa;
	int ret;

	new_sa.sa.sa_handler = handler;
	new_sa.sa.sa_flags = SA_ONESHOT | SA_NOMASK;
	new_sa.sa.sa_restorer = NULL;
	new_sa.sa.sa_mask = 0;
	ret = do_sigaction(sig, &new_sa, &old_sa);
	return ret ? ret : (long)old_sa.sa.sa_handler;
}

/* sys_sigprocmask (126): SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK the signals in *set (SIGKILL and SIGSTOP
 * cannot be blocked: they are left out); the mask before goes to *oset. A pending signal unblocked
 * here is delivered on the way out of this call. */
asmlinkage long sys_sigprocmask(int how, const sigset_t __user *set, sigset_t __user *oset);
asmlinkage long sys_sigprocmask(int how, const sigset_t __user *set, sigset_t __user *oset)
{
	sigset_t old_set = current->blocked, new_set;
	unsigned long flags;

	if (set) {
		if (copy_from_user(&new_set, set, sizeof(new_set)))
			return -EFAULT;
		new_set &= ~SIG_KERNEL_ONLY_MASK;
		local_irq_save(flags);
		switch (how) {
		case SIG_BLOCK:
			current->blocked |= new_set;
			break;
		case SIG_UNBLOCK:
			current->blocked &= ~new_set;
			break;
		case SIG_SETMASK:
			current->blocked = new_set;
			break;
		default:
			local_irq_restore(flags);
			return -EINVAL;
		}
		recalc_sigpending_tsk(current);
		local_irq_restore(flags);
	}
	if (oset && copy_to_user(oset, &old_set, sizeof(old_set)))
		return -EFAULT;
	return 0;
}
