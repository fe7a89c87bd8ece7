/*
 * arch/i386/kernel/signal.c: delivering signals on the way back to user mode (2.6.12's do_signal,
 * handle_signal, setup_frame) and returning from a handler (sys_sigreturn, restore_sigcontext).
 *
 * A caught signal runs its handler on 2.6.12's classic frame, built on the user stack below the
 * interrupted esp (8-byte aligned):
 *
 *	frame + 0	pretcode	where the handler returns: sa_restorer with SA_RESTORER, else retcode
 *	frame + 4	sig		the handler's argument
 *	frame + 8	sc		struct sigcontext: the interrupted registers, the old blocked mask
 *	...		extramask[1]	the upper word of 2.6.12's 64-bit mask: 0
 *	...		retcode[8]	popl %eax; movl $__NR_sigreturn, %eax; int $0x80
 *
 * and enters it with esp = frame, eip = handler, eax = sig. The handler's ret pops pretcode; the
 * trampoline's popl takes sig, so sigreturn finds the frame at esp - 8. Not in this frame: 2.6.12's
 * struct _fpstate area (no FPU state is saved; sc.fpstate is NULL, as 2.6.12 writes for a task that
 * never used the FPU).
 */
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <asm/sigcontext.h>
#include <asm/ptrace.h>
#include <asm/system.h>
#include <asm/uaccess.h>
#include <asm/unistd.h>

struct sigframe {
	char __user *pretcode;
	int sig;
	struct sigcontext sc;
	unsigned long extramask[1];
	char retcode[8];
};

#define X86_EFLAGS_CF	0x00000001
#define X86_EFLAGS_PF	0x00000004
#define X86_EFLAGS_AF	0x00000010
#define X86_EFLAGS_ZF	0x00000040
#define X86_EFLAGS_SF	0x00000080
#define X86_EFLAGS_TF	0x00000100
#define X86_EFLAGS_DF	0x00000400
#define X86_EFLAGS_OF	0x00000800
#define X86_EFLAGS_RF	0x00010000
#define X86_EFLAGS_AC	0x00040000

/* The EFLAGS bits a sigcontext may change (2.6.12's FIX_EFLAGS): not IF, IOPL, VM, NT. */
#define FIX_EFLAGS	(X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF)

/*
 * restore_sigcontext: the registers a handler's frame saved. Only the user-changeable EFLAGS bits come
 * back, and the segments are the user ones whatever the frame says: cs and ss are forced to ring 3 as
 * 2.6.12 does, and ds/es to __USER_DS (2.6.12 loads what the frame holds and relies on exception
 * fixups in restore_all for a bad selector; this kernel has none). orig_eax = -1: no system call to
 * restart. *peax = the saved eax, sigreturn's return value.
 */
static int restore_sigcontext(struct pt_regs *regs, const struct sigcontext *sc, unsigned long *peax)
{
	regs->ebx = sc->ebx;
	regs->ecx = sc->ecx;
	regs->edx = sc->edx;
	regs->esi = sc->esi;
	regs->edi = sc->edi;
	regs->ebp = sc->ebp;
	regs->esp = sc->esp;
	regs->eip = sc->eip;
	regs->xcs = __USER_CS;
	regs->xss = __USER_DS;
	regs->xds = __USER_DS;
	regs->xes = __USER_DS;
	regs->eflags = (regs->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	regs->orig_eax = -1;
	*peax = sc->eax;
	return 0;
}

/* sys_sigreturn (119): the trampoline's int $0x80 after a handler returned. Puts back the blocked mask
 * and the registers of the frame at esp - 8; a frame that cannot be read ends the task with SIGSEGV. */
asmlinkage int sys_sigreturn(struct pt_regs regs);
asmlinkage int sys_sigreturn(struct pt_regs regs)
{
	struct sigframe __user *frame = (struct sigframe __user *)(regs.esp - 8);
	struct sigcontext sc;
	unsigned long eax, flags;

	if (copy_from_user(&sc, &frame->sc, sizeof(sc)))
		goto badframe;
	local_irq_save(flags);
	current->blocked = sc.oldmask & ~SIG_KERNEL_ONLY_MASK;
	recalc_sigpending_tsk(current);
	local_irq_restore(flags);
	if (restore_sigcontext(&regs, &sc, &eax))
		goto badframe;
	return (int)eax;

badframe:
	force_sig(SIGSEGV, current);
	return 0;
}

/* setup_sigcontext: the interrupted registers and the mask to restore. */
static void setup_sigcontext(struct sigcontext *sc, const struct pt_regs *regs, unsigned long mask)
{
	unsigned long seg;

	memset(sc, 0, sizeof(*sc));
	savesegment(gs, seg);
	sc->gs = (unsigned short)seg;
	savesegment(fs, seg);
	sc->fs = (unsigned short)seg;
	sc->es = (unsigned short)regs->xes;
	sc->ds = (unsigned short)regs->xds;
	sc->edi = regs->edi;
	sc->esi = regs->esi;
	sc->ebp = regs->ebp;
	sc->esp = regs->esp;
	sc->ebx = regs->ebx;
	sc->edx = regs->edx;
	sc->ecx = regs->ecx;
	sc->eax = regs->eax;
	sc->trapno = current->thread.trap_no;
	sc->err = current->thread.error_code;
	sc->eip = regs->eip;
	sc->cs = (unsigned short)regs->xcs;
	sc->eflags = regs->eflags;
	sc->esp_at_signal = regs->esp;
	sc->ss = (unsigned short)regs->xss;
	sc->fpstate = NULL;
	sc->oldmask = mask;
	sc->cr2 = current->thread.cr2;
}

/* setup_frame: build the frame (above) and point the registers at the handler. -EFAULT if the user
 * stack cannot take it. */
static int setup_frame(int sig, const struct k_sigaction *ka, unsigned long oldmask, struct pt_regs *regs)
{
	struct sigframe __user *frame;
	struct sigframe kf;

	frame = (struct sigframe __user *)((regs->esp - sizeof(kf)) & -8UL);	/* get_sigframe */
	kf.sig = sig;
	setup_sigcontext(&kf.sc, regs, oldmask);
	kf.extramask[0] = 0;
	/* popl %eax (58); movl $__NR_sigreturn, %eax (b8 imm32); int $0x80 (cd 80) */
	kf.retcode[0] = 0x58;
	kf.retcode[1] = (char)0xb8;
	kf.retcode[2] = __NR_sigreturn & 0xff;
	kf.retcode[3] = (__NR_sigreturn >> 8) & 0xff;
	kf.retcode[4] = 0;
	kf.retcode[5] = 0;
	kf.retcode[6] = (char)0xcd;
	kf.retcode[7] = (char)0x80;
	if (ka->sa.sa_flags & SA_RESTORER)
		kf.pretcode = (char __user *)ka->sa.sa_restorer;
	else
		kf.pretcode = (char __user *)frame->retcode;
	if ((unsigned long)frame >= TASK_SIZE || copy_to_user(frame, &kf, sizeof(kf)))
		return -EFAULT;
	regs->esp = (unsigned long)frame;
	regs->eip = (unsigned long)ka->sa.sa_handler;
	regs->eax = sig;
	regs->edx = 0;
	regs->ecx = 0;
	regs->xds = __USER_DS;
	regs->xes = __USER_DS;
	regs->xss = __USER_DS;
	regs->xcs = __USER_CS;
	regs->eflags &= ~X86_EFLAGS_TF;	/* the handler does not start single-stepped */
	return 0;
}

/* handle_signal: run ka's handler for sig. Then SA_ONESHOT resets it to SIG_DFL, and unless SA_NODEFER
 * the signal itself and sa_mask are blocked until sigreturn. A frame that cannot be written forces
 * SIGSEGV (force_sigsegv) instead: -1. */
static int handle_signal(int sig, struct k_sigaction *ka, struct pt_regs *regs)
{
	struct task_struct *tsk = current;
	unsigned long flags;

	if (setup_frame(sig, ka, tsk->blocked, regs)) {
		force_sigsegv(sig, tsk);
		return -1;
	}
	if (ka->sa.sa_flags & SA_ONESHOT)
		ka->sa.sa_handler = SIG_DFL;
	if (!(ka->sa.sa_flags & SA_NODEFER)) {
		local_irq_save(flags);
		tsk->blocked |= ka->sa.sa_mask | sigmask(sig);
		tsk->blocked &= ~SIG_KERNEL_ONLY_MASK;
		recalc_sigpending_tsk(tsk);
		local_irq_restore(flags);
	}
	return 0;
}

/*
 * do_signal: on the way back to user mode with TIF_SIGPENDING set. Takes pending, unblocked signals
 * lowest first (get_signal_to_deliver): an ignored one is skipped (it may have been sent while blocked),
 * a caught one gets its frame and the loop ends - one handler per return to user mode, as in 2.6.12; a
 * signal still pending is delivered at the next return (the handler's sigreturn). Any other ends the
 * task, its default action: the exit code is the signal number, so the parent's wait sees WIFSIGNALED
 * with WTERMSIG = sig (no core dumps: bit 7 stays clear). Init is never ended this way (2.6.12).
 * A frame that could not be written queues a forced SIGSEGV, which this same loop then acts on.
 */
static void do_signal(struct pt_regs *regs)
{
	struct task_struct *tsk = current;
	struct k_sigaction *ka;
	int sig;

	for (;;) {
		local_irq_disable();
		sig = dequeue_signal(tsk);
		if (!sig)
			return;		/* interrupts off, as entry.S called us */
		local_irq_enable();
		ka = &tsk->sighand->action[sig - 1];
		if (ka->sa.sa_handler == SIG_IGN)
			continue;
		if (ka->sa.sa_handler == SIG_DFL) {
			if (sig_kernel_ignore(sig) || tsk == child_reaper)
				continue;
			printk(KERN_INFO "signal: pid %d (%s) killed by signal %d\n", tsk->pid, tsk->comm, sig);
			do_exit(sig);
		}
		if (!handle_signal(sig, ka, regs))
			break;
	}
	local_irq_disable();
}

/* do_notify_resume: only for a return to user mode. */
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
