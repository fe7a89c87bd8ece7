/*
 * sighandler: signal handlers (kernel/signal.c, arch/i386/kernel/signal.c) - sigaction, signal,
 * sigprocmask and sigreturn, and the frame a handler runs on.
 *   1. SIGUSR1 sent to oneself runs its handler once, with its number, blocked while it runs (with its
 *      sa_mask); kill() then returns 0 with every register it was entered with (ebx, ecx, edx, esi,
 *      edi, ebp and esp checked) and the blocked mask as it was;
 *   2. sigaction refuses SIGKILL and SIGSTOP (EINVAL) but reads them; sigprocmask cannot block SIGKILL
 *      and refuses an unknown `how`;
 *   3. a handler installed without SA_RESTORER (the raw system call) returns through the frame's own
 *      retcode trampoline; signal() does too, and is one-shot: the second SIGUSR2 ends the child;
 *   4. SIG_IGN makes SIGTERM harmless: kill(self, SIGTERM) returns 0;
 *   5. SIGUSR2, blocked, stays pending across kill(); sigprocmask(SIG_UNBLOCK) runs its handler before
 *      it returns;
 *   6. a child asleep in nanosleep(2 s) gets SIGUSR1: its handler runs, then nanosleep returns -1 with
 *      errno EINTR;
 *   7. a signal whose frame does not fit (esp pointing at unmapped memory) ends the task with SIGSEGV;
 *   8. exec resets caught signals to SIG_DFL but keeps ignored ones: a child that catches SIGUSR1 and
 *      ignores SIGTERM execs this program, which sends itself both and dies of SIGUSR1.
 * Run as pid 1 with the argument as-init (init=/bin/sighandler -- as-init), it checks instead that
 * init takes only the signals it has a handler for: SIGTERM to itself with SIG_DFL does nothing, with a
 * handler the handler runs.
 * Every line is printed by the parent, by a handler running in the parent because of its own kill(),
 * or by a child while the parent waits for it: the output does not depend on timing
 * (tests/user_timing.sh, tests/peer_qemu.sh).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failed;
static volatile int handled[32];		/* handler runs, by signal */
static volatile int last_sig;
static volatile sigset_t mask_in_handler;

static void check(const char *what, int ok)
{
	printf("sighandler: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed++;
}

static void reap(const char *what, pid_t pid, int sig, int code)
{
	int status = 0, ok;
	pid_t got = waitpid(pid, &status, 0);

	if (sig)
		ok = got == pid && WIFSIGNALED(status) && WTERMSIG(status) == sig;
	else
		ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == code;
	printf("sighandler: %s: %s %d: %s\n", what, WIFSIGNALED(status) ? "killed by signal" : "exited with",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), ok ? "ok" : "FAILED");
	if (!ok)
		failed++;
}

static void handler(int sig)
{
	sigset_t cur;

	handled[sig]++;
	last_sig = sig;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	mask_in_handler = cur;
	printf("sighandler: handler: signal %d, run %d\n", sig, handled[sig]);
}

static void quiet_handler(int sig)
{
	handled[sig]++;
	last_sig = sig;
}

/*
 * kill_regs(pid, sig): kill() with known values in every register it does not use - esi, edi, ebp and
 * edx - and the registers as they came back in regs_after: eax, ebx, ecx, edx, esi, edi, ebp, and esp
 * minus esp before.
 */
unsigned long regs_after[8];
int kill_regs(int pid, int sig);
__asm__(".text\n"
	".globl kill_regs\n"
	"kill_regs:\n\t"
	"pushl %ebp\n\t"
	"pushl %ebx\n\t"
	"pushl %esi\n\t"
	"pushl %edi\n\t"
	"movl 20(%esp), %ebx\n\t"
	"movl 24(%esp), %ecx\n\t"
	"movl $0x44444444, %edx\n\t"
	"movl $0x55555555, %esi\n\t"
	"movl $0x66666666, %edi\n\t"
	"movl $0x77777777, %ebp\n\t"
	"movl %esp, regs_after+28\n\t"
	"movl $37, %eax\n\t"
	"int $0x80\n\t"
	"movl %eax, regs_after\n\t"
	"movl %ebx, regs_after+4\n\t"
	"movl %ecx, regs_after+8\n\t"
	"movl %edx, regs_after+12\n\t"
	"movl %esi, regs_after+16\n\t"
	"movl %edi, regs_after+20\n\t"
	"movl %ebp, regs_after+24\n\t"
	"movl %esp, %eax\n\t"
	"subl regs_after+28, %eax\n\t"	/* esp - esp before: 0 */
	"movl %eax, regs_after+28\n\t"
	"popl %edi\n\t"
	"popl %esi\n\t"
	"popl %ebx\n\t"
	"popl %ebp\n\t"
	"ret\n");

/* kill_on_bad_stack(pid, sig): kill() with esp at an unmapped address: the signal frame cannot be
 * written. Does not return (the task dies of SIGSEGV). */
void kill_on_bad_stack(int pid, int sig) __attribute__((noreturn));
__asm__(".text\n"
	".globl kill_on_bad_stack\n"
	"kill_on_bad_stack:\n\t"
	"movl 4(%esp), %ebx\n\t"
	"movl 8(%esp), %ecx\n\t"
	"movl $0x1000, %esp\n\t"
	"movl $37, %eax\n\t"
	"int $0x80\n\t"
	"1: jmp 1b\n");

/* 8, the exec'd side: SIGTERM (still ignored) does nothing, SIGUSR1 (back to SIG_DFL) ends it. */
static int exec_side(void)
{
	kill(getpid(), SIGTERM);
	kill(getpid(), SIGUSR1);
	return 1;	/* not reached */
}

/* As pid 1: a signal init has no handler for is dropped (2.6.12); one it catches is delivered. */
static int as_init(void)
{
	struct sigaction sa;
	int r;

	printf("sighandler: as pid %d\n", getpid());
	r = kill(getpid(), SIGTERM);
	check("init: kill(1, SIGTERM) with SIG_DFL -> 0, dropped: still running", r == 0 && getpid() == 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGTERM, &sa, NULL);
	r = kill(getpid(), SIGTERM);
	check("init: kill(1, SIGTERM) with a handler -> 0, the handler ran", r == 0 && handled[SIGTERM] == 1);
	printf("sighandler: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa, old;
	sigset_t set, oset;
	pid_t child, me;
	int r, e;

	if (argc > 1 && !strcmp(argv[1], "exec-side"))
		return exec_side();
	if (argc > 1 && !strcmp(argv[1], "as-init"))
		return as_init();
	me = getpid();
	printf("sighandler: %s running as pid %d\n", argv[0], me);

	/* 1. A handler for a signal sent to oneself. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	check("sigaction(SIGUSR1, handler) -> 0", sigaction(SIGUSR1, &sa, NULL) == 0);
	r = kill_regs(me, SIGUSR1);
	check("kill(self, SIGUSR1) returns 0 after its handler ran once", r == 0 && handled[SIGUSR1] == 1);
	check("the handler got signal 10", last_sig == SIGUSR1);
	check("SIGUSR1 and its sa_mask (SIGUSR2) were blocked in the handler",
	      (mask_in_handler & ((1UL << (SIGUSR1 - 1)) | (1UL << (SIGUSR2 - 1)))) ==
	      ((1UL << (SIGUSR1 - 1)) | (1UL << (SIGUSR2 - 1))));
	check("ebx, ecx, edx, esi, edi, ebp and esp are those kill() was entered with",
	      regs_after[1] == (unsigned long)me && regs_after[2] == SIGUSR1 && regs_after[3] == 0x44444444 &&
	      regs_after[4] == 0x55555555 && regs_after[5] == 0x66666666 && regs_after[6] == 0x77777777 &&
	      regs_after[7] == 0);
	sigprocmask(SIG_BLOCK, NULL, &set);
	check("the blocked mask is empty again after sigreturn", set == 0);
	check("sigaction(SIGUSR1, NULL, &old) reads the handler back, SA_RESTORER set by the libc",
	      sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == handler && (old.sa_flags & SA_RESTORER) &&
	      old.sa_restorer == __restore);

	/* 2. What cannot be caught or blocked. */
	r = sigaction(SIGKILL, &sa, NULL);
	e = errno;
	check("sigaction(SIGKILL, handler) -> EINVAL", r == -1 && e == EINVAL);
	r = sigaction(SIGSTOP, &sa, NULL);
	e = errno;
	check("sigaction(SIGSTOP, handler) -> EINVAL", r == -1 && e == EINVAL);
	check("sigaction(SIGKILL, NULL, &old) -> 0, SIG_DFL",
	      sigaction(SIGKILL, NULL, &old) == 0 && old.sa_handler == SIG_DFL);
	r = sigaction(32, &sa, NULL);
	e = errno;
	check("sigaction(32, ...) (real-time signals are not modelled) -> EINVAL", r == -1 && e == EINVAL);
	set = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, NULL, &oset);
	check("sigprocmask cannot block SIGKILL or SIGSTOP", oset == 0);
	r = sigprocmask(7, &set, NULL);
	e = errno;
	check("sigprocmask(7, ...) -> EINVAL", r == -1 && e == EINVAL);

	/* 3. No SA_RESTORER: the kernel's retcode trampoline (popl %eax; movl $119, %eax; int $0x80). */
	{
		struct sigaction raw;

		memset(&raw, 0, sizeof(raw));
		raw.sa_handler = quiet_handler;
		check("raw sigaction(SIGUSR2, handler) without SA_RESTORER -> 0",
		      syscall(__NR_sigaction, SIGUSR2, (long)&raw, 0) == 0);
		handled[SIGUSR2] = 0;
		r = kill_regs(me, SIGUSR2);
		check("its handler returned through the frame's retcode, registers intact",
		      r == 0 && handled[SIGUSR2] == 1 && last_sig == SIGUSR2 && regs_after[4] == 0x55555555 &&
		      regs_after[5] == 0x66666666 && regs_after[6] == 0x77777777 && regs_after[7] == 0);
	}
	child = fork();
	if (child == 0) {
		handled[SIGUSR2] = 0;
		signal(SIGUSR2, handler);
		kill(getpid(), SIGUSR2);
		printf("sighandler: child: signal() handler ran %d time(s); SIGUSR2 again\n", handled[SIGUSR2]);
		kill(getpid(), SIGUSR2);
		exit(1);	/* not reached: signal() is one-shot, the second SIGUSR2 has its default action */
	}
	reap("signal() is one-shot: the second SIGUSR2 ends the child", child, SIGUSR2, 0);

	/* 4. SIG_IGN. */
	sa.sa_handler = SIG_IGN;
	check("sigaction(SIGTERM, SIG_IGN) -> 0", sigaction(SIGTERM, &sa, NULL) == 0);
	check("kill(self, SIGTERM) -> 0, and still running", kill(me, SIGTERM) == 0);

	/* 5. Blocked: pending until unblocked. */
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	handled[SIGUSR2] = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	check("sigprocmask(SIG_BLOCK, SIGUSR2) -> 0", sigprocmask(SIG_BLOCK, &set, &oset) == 0 && oset == 0);
	check("kill(self, SIGUSR2) while blocked -> 0, no handler yet", kill(me, SIGUSR2) == 0 && !handled[SIGUSR2]);
	r = sigprocmask(SIG_UNBLOCK, &set, &oset);
	check("sigprocmask(SIG_UNBLOCK, SIGUSR2): the handler ran before it returned",
	      r == 0 && handled[SIGUSR2] == 1 && oset == set);

	/* 6. A handler interrupting nanosleep: -1, EINTR, after the handler. (The child runs first after
	 * fork and is asleep long before the parent's 20 ms are up.) */
	child = fork();
	if (child == 0) {
		struct timespec ts = { 2, 0 };

		handled[SIGUSR1] = 0;
		r = nanosleep(&ts, NULL);
		e = errno;
		printf("sighandler: child: nanosleep -> %d, %s, after %d handler run(s)\n", r,
		       e == EINTR ? "EINTR" : "not EINTR", handled[SIGUSR1]);
		exit(r == -1 && e == EINTR && handled[SIGUSR1] == 1 ? 6 : 1);
	}
	{
		struct timespec ts = { 0, 20000000 };

		nanosleep(&ts, NULL);
	}
	r = kill(child, SIGUSR1);
	reap("the sleeper's nanosleep returned EINTR after its handler", child, 0, 6);
	check("kill(sleeping child, SIGUSR1) -> 0", r == 0);

	/* 7. No room for the frame: SIGSEGV. */
	child = fork();
	if (child == 0)
		kill_on_bad_stack(getpid(), SIGUSR1);
	reap("a frame on an unmapped stack: SIGSEGV", child, SIGSEGV, 0);

	/* 8. exec: caught -> SIG_DFL, ignored stays ignored (SIGTERM is, since 4). */
	child = fork();
	if (child == 0) {
		char *args[] = { "/bin/sighandler", "exec-side", NULL };

		execve(args[0], args, NULL);
		exit(1);
	}
	reap("after exec SIGTERM is still ignored, SIGUSR1's handler is gone", child, SIGUSR1, 0);

	printf("sighandler: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
