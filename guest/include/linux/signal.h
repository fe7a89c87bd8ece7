/*
 * linux/signal.h: signal numbers, handlers and masks as the kernel keeps them (2.6.12's
 * asm-i386/signal.h and linux/signal.h, reduced to the 31 classic signals: a sigset_t is one word,
 * bit sig - 1). kernel/signal.c sends and queues; arch/i386/kernel/signal.c delivers (the frame).
 */
#ifndef _LINUX_SIGNAL_H
#define _LINUX_SIGNAL_H

#include <linux/types.h>
#include <asm/signal.h>

#define _NSIG_CLASSIC	31	/* 1..31; the real-time signals 32..64 are not modelled (-EINVAL) */

typedef unsigned long sigset_t;	/* bit sig - 1; 2.6.12's old_sigset_t */
#define sigmask(sig)	(1UL << ((sig) - 1))

/* Signals no process may catch, block or ignore (2.6.12's sig_kernel_only). */
#define SIG_KERNEL_ONLY_MASK	(sigmask(SIGKILL) | sigmask(SIGSTOP))

typedef void (*__sighandler_t)(int);
typedef void (*__sigrestore_t)(void);
#define SIG_DFL	((__sighandler_t)0)
#define SIG_IGN	((__sighandler_t)1)

/* The kernel's copy of a handler (2.6.12's struct sigaction inside struct k_sigaction). */
struct sigaction {
	__sighandler_t sa_handler;
	unsigned long sa_flags;
	__sigrestore_t sa_restorer;
	sigset_t sa_mask;	/* blocked while the handler runs */
};
struct k_sigaction {
	struct sigaction sa;
};

/* sys_sigaction's user structure, i386's struct old_sigaction: this field order. */
struct old_sigaction {
	__sighandler_t sa_handler;
	sigset_t sa_mask;
	unsigned long sa_flags;
	__sigrestore_t sa_restorer;
};

/* A process's handlers: shared by the tasks of a CLONE_SIGHAND clone, copied by fork (copy_sighand),
 * dropped at exit (exit_sighand). From sighand_cache; swapper's (and the kernel threads' that share
 * it) is the static init_sighand. */
struct sighand_struct {
	atomic_t count;
	struct k_sigaction action[_NSIG_CLASSIC];	/* action[sig - 1] */
};
extern struct sighand_struct init_sighand;

struct task_struct;
struct pt_regs;

/* kernel/signal.c */
extern struct kmem_cache sighand_cache;	/* sighand_cachep in 2.6.12 */
void signals_init(void);
int copy_sighand(unsigned long clone_flags, struct task_struct *tsk);
void exit_sighand(struct task_struct *tsk);
int unshare_sighand(struct task_struct *tsk);
void flush_signal_handlers(struct task_struct *t, int force_default);
void recalc_sigpending_tsk(struct task_struct *t);
int dequeue_signal(struct task_struct *tsk);
void force_sig(int sig, struct task_struct *p);
void force_sigsegv(int sig, struct task_struct *p);
int sig_kernel_ignore(int sig);

#endif
