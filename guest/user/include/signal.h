/* signal.h: signal numbers (Linux i386's), kill(), and handlers: sigaction(), signal(), sigprocmask()
 * and the sigset_t operations. A sigset_t is one word here (the kernel models signals 1..31: bit
 * sig - 1, the old_sigset_t of the i386 system calls). sigaction() sets SA_RESTORER with lib's
 * __restore as glibc does (the handler returns into it, and it calls sigreturn); signal() is the
 * kernel's own signal(48): System V semantics (SA_ONESHOT | SA_NOMASK), no restorer - the handler
 * returns through the frame's retcode. */
#ifndef _SIGNAL_H
#define _SIGNAL_H

#include <sys/types.h>
#include <asm/signal.h>

typedef unsigned long sigset_t;
typedef void (*sighandler_t)(int);

#define SIG_DFL		((sighandler_t)0)
#define SIG_IGN		((sighandler_t)1)
#define SIG_ERR		((sighandler_t)-1)

/* The i386 sigaction(67) system call's struct old_sigaction: this field order. */
struct sigaction {
	sighandler_t sa_handler;
	sigset_t sa_mask;
	unsigned long sa_flags;
	void (*sa_restorer)(void);
};

int kill(pid_t pid, int sig);
int sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
sighandler_t signal(int sig, sighandler_t handler);
int sigprocmask(int how, const sigset_t *set, sigset_t *oset);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);
void __restore(void);	/* lib: the restorer sigaction() installs (sigreturn) */

#endif
