/*
 * forkbomb: fork until the kernel refuses. Started by init as root, it first becomes an ordinary user
 * the way a login does: setrlimit(RLIMIT_NPROC) to 8, then setuid(1000) - root is exempt from the
 * limit, uid 1000 is not (kernel/sys.c). copy_process() then returns -EAGAIN once uid 1000 has 8
 * processes: this one and 7 children. Every child exits at once with a status of its own and stays a
 * zombie - still counted - until reaped. The parent checks the error, reaps every child by pid and
 * checks its status, then forks once more, which must succeed now.
 *
 * The order of the lines does not depend on timing: each child runs first and exits before the
 * parent runs again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN	64	/* a limit of our own, far above the kernel's */
#define USER_UID	1000
#define USER_NPROC	8
#define AGAIN_STATUS	77

static int exit_status_of(int n)
{
	return 100 + n;
}

/* setrlimit, then setuid, as a login does; then checks that a plain user can undo neither. Returns 0
 * when all of it held. */
static int become_user(void)
{
	struct rlimit lim = { USER_NPROC, USER_NPROC }, got = { 0, 0 }, raise = { 64, 64 };
	int set, su, back, back_errno, up, up_errno, ok, refused;

	set = setrlimit(RLIMIT_NPROC, &lim);
	su = setuid(USER_UID);
	getrlimit(RLIMIT_NPROC, &got);
	ok = set == 0 && su == 0 && getuid() == USER_UID && got.rlim_cur == USER_NPROC &&
	     got.rlim_max == USER_NPROC;
	printf("forkbomb: setrlimit(RLIMIT_NPROC, %d), setuid(%d) -> uid %u, RLIMIT_NPROC %lu/%lu: %s\n",
	       USER_NPROC, USER_UID, getuid(), got.rlim_cur, got.rlim_max, ok ? "ok" : "FAILED");
	back = setuid(0);
	back_errno = errno;
	up = setrlimit(RLIMIT_NPROC, &raise);
	up_errno = errno;
	refused = back == -1 && back_errno == EPERM && up == -1 && up_errno == EPERM;
	printf("forkbomb: setuid(0) -> errno %d, raising RLIMIT_NPROC to 64 -> errno %d (expected EPERM %d): "
	       "%s\n", back_errno, up_errno, EPERM, refused ? "ok" : "FAILED");
	return ok && refused ? 0 : 1;
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN], pid, got;
	int n = 0, i, failed = 0, status, err;

	(void)argc;
	printf("forkbomb: %s running as pid %d: fork until the kernel says no\n", argv[0], getpid());
	if (become_user() != 0)
		return 19;	/* FS_EXIT_SCENARIO */
	for (;;) {
		if (n == MAX_CHILDREN) {
			printf("forkbomb: %d forks and no error: FAILED\n", n);
			failed++;
			break;
		}
		pid = fork();
		if (pid == 0)
			exit(exit_status_of(n));
		if (pid < 0)
			break;
		pids[n++] = pid;
	}
	err = errno;
	if (n < MAX_CHILDREN) {
		int ok = pid == -1 && err == EAGAIN && n > 0;

		printf("forkbomb: fork #%d -> -1, errno %d (expected EAGAIN %d) after %d children: %s\n",
		       n + 1, err, EAGAIN, n, ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	for (i = 0; i < n; i++) {
		int ok;

		status = 0;
		got = waitpid(pids[i], &status, 0);
		ok = got == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == exit_status_of(i);
		printf("forkbomb: reaped pid %d: exit status %d, expected %d: %s\n", got,
		       WEXITSTATUS(status), exit_status_of(i), ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	if (waitpid(-1, &status, 0) != -1 || errno != ECHILD) {
		printf("forkbomb: waitpid(-1) with no children did not fail with ECHILD: FAILED\n");
		failed++;
	}
	pid = fork();
	if (pid == 0)
		exit(AGAIN_STATUS);
	if (pid < 0) {
		printf("forkbomb: fork after reaping -> -1, errno %d: FAILED\n", errno);
		failed++;
	} else {
		int ok;

		status = 0;
		got = waitpid(pid, &status, 0);
		ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == AGAIN_STATUS;
		printf("forkbomb: fork after reaping -> pid %d, exit status %d, expected %d: %s\n", pid,
		       WEXITSTATUS(status), AGAIN_STATUS, ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	/* Raising one's priority is root's (sys_nice): this uid gets EPERM; lowering it is anyone's. */
	{
		int r = nice(-1), e = errno, ok = r == -1 && e == EPERM;

		printf("forkbomb: nice(-1) as uid 1000 -> %d, errno %d (expected EPERM %d): %s\n", r, e, EPERM,
		       ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
		r = nice(1);
		ok = r == 0;
		printf("forkbomb: nice(1) as uid 1000 -> %d: %s\n", r, ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	printf("forkbomb: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
