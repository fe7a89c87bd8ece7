/*
 * signals: kill() and what a signal's default action does (kernel/signal.c). The parent checks
 * kill's errors, then sends signals to children in each of the ways a process can be waiting:
 *   1. a child asleep in nanosleep(10 s) gets SIGTERM: the sleep ends at once and the child dies of
 *      it (waitpid: WIFSIGNALED, WTERMSIG 15);
 *   2. a child asleep in waitpid() for a grandchild gets SIGKILL: it dies of signal 9 and its
 *      sleeping grandchild (now init's) is left to init;
 *   3. a child gets SIGCHLD, whose default action is to ignore it: it sleeps on and exits with 42;
 *   4. a child that made itself uid 1000 tries to signal init (root): EPERM, exits with 7;
 *   5. a child that has exited but is not reaped yet (a zombie) gets SIGTERM: kill() returns 0 and
 *      the exit status stays the child's own;
 *   6. a child signals itself with SIGUSR1: kill() never returns to it.
 * Children print nothing (a child may be signalled before or after it reaches its sleep, depending
 * on timing; either way it ends the same): every line comes from the parent, so the output does not
 * depend on timing (tests/user_timing.sh, tests/peer_qemu.sh).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void nap(long sec, long nsec)
{
	struct timespec ts = { sec, nsec };

	nanosleep(&ts, NULL);
}

static void check(const char *what, int ok)
{
	printf("signals: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed++;
}

/* Reaps pid and checks how it ended: by signal `sig`, or (sig 0) by exit(code). */
static void reap(const char *what, pid_t pid, int sig, int code)
{
	int status = 0, ok;
	pid_t got = waitpid(pid, &status, 0);

	if (sig)
		ok = got == pid && WIFSIGNALED(status) && WTERMSIG(status) == sig;
	else
		ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == code;
	printf("signals: %s: pid %d %s %d: %s\n", what, got,
	       WIFSIGNALED(status) ? "killed by signal" : "exited with", WIFSIGNALED(status) ?
	       WTERMSIG(status) : WEXITSTATUS(status), ok ? "ok" : "FAILED");
	if (!ok)
		failed++;
}

int main(int argc, char **argv)
{
	pid_t child;
	int r, e;

	(void)argc;
	printf("signals: %s running as pid %d\n", argv[0], getpid());
	r = kill(getpid(), 0);
	check("kill(self, 0) -> 0", r == 0);
	r = kill(30000, SIGTERM);
	e = errno;
	check("kill(no such pid) -> ESRCH", r == -1 && e == ESRCH);
	r = kill(getpid(), 64);
	e = errno;
	check("kill(self, 64) -> EINVAL", r == -1 && e == EINVAL);
	r = kill(0, SIGTERM);
	e = errno;
	check("kill(0, ...) (process groups are not modelled) -> EINVAL", r == -1 && e == EINVAL);

	/* 1. SIGTERM ends a 10 s nanosleep at once. */
	child = fork();
	if (child == 0) {
		nap(10, 0);
		exit(1);	/* not reached: the sleep never ends normally */
	}
	nap(0, 20000000);	/* 20 ms: the child is asleep by now, or else dies on its way there */
	check("kill(sleeping child, SIGTERM) -> 0", kill(child, SIGTERM) == 0);
	reap("the sleeper", child, SIGTERM, 0);

	/* 2. SIGKILL ends a waitpid(); the grandchild lives on as init's. */
	child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		int status;

		if (grandchild == 0) {
			nap(1, 0);	/* 1 s - outlasting the rest of this program - then exits 0 to init */
			exit(0);
		}
		waitpid(grandchild, &status, 0);
		exit(1);	/* not reached */
	}
	nap(0, 20000000);
	check("kill(child in waitpid, SIGKILL) -> 0", kill(child, SIGKILL) == 0);
	reap("the waiter", child, SIGKILL, 0);

	/* 3. SIGCHLD's default action is to ignore it. */
	child = fork();
	if (child == 0) {
		nap(0, 50000000);
		exit(42);
	}
	check("kill(child, SIGCHLD) -> 0", kill(child, SIGCHLD) == 0);
	reap("SIGCHLD ignored", child, 0, 42);

	/* 4. A user other than root cannot signal root's processes. */
	child = fork();
	if (child == 0) {
		setuid(1000);
		r = kill(1, SIGTERM);
		exit(r == -1 && errno == EPERM ? 7 : 1);
	}
	reap("uid 1000's kill(1, SIGTERM) got EPERM", child, 0, 7);

	/* 5. A zombie still exists until it is reaped: kill() succeeds and changes nothing. */
	child = fork();
	if (child == 0)
		exit(5);
	nap(0, 20000000);	/* the child has exited by now: a zombie */
	check("kill(zombie child, SIGTERM) -> 0", kill(child, SIGTERM) == 0);
	reap("the zombie keeps its exit status", child, 0, 5);

	/* 6. A process may signal itself: the signal acts on the way out of kill(). */
	child = fork();
	if (child == 0) {
		kill(getpid(), SIGUSR1);
		exit(1);	/* not reached */
	}
	reap("kill(self, SIGUSR1)", child, SIGUSR1, 0);

	printf("signals: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
