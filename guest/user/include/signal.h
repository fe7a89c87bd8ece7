/* signal.h: signal numbers (Linux i386's) and kill(). The kernel has no handlers: a signal's default
 * action applies - it ends the process, or (SIGCHLD, SIGURG, SIGWINCH, SIGCONT and the stop
 * signals) nothing happens. */
#ifndef _SIGNAL_H
#define _SIGNAL_H

#include <sys/types.h>

#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGILL		4
#define SIGTRAP		5
#define SIGABRT		6
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19

int kill(pid_t pid, int sig);

#endif
