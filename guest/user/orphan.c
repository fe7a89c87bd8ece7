/*
 * orphan: a process whose parent exits first is given to init. This program (the "parent") forks a
 * child, which forks a grandchild and exits at once; the parent reaps the child and exits too. The
 * grandchild, sleeping meanwhile, wakes as an orphan: getppid() now says 1 - exit.c's
 * forget_original_parent() moved it to init (child_reaper) - and init (guest/user/init.c) reaps it
 * and reports its exit status, ORPHAN_STATUS.
 *
 * The order of the lines does not depend on timing as long as the grandchild's 500 ms sleep outlasts
 * what its parent, its grandparent and init have left to do - an exit and a reap each, with eager
 * page copies and frees: a few hundred thousand cycles, where 500 ms is 5 million even at 10 MHz
 * (tests/user_timing.sh runs it there; at 1 MHz HZ=1000's timer interrupts alone take most of the
 * CPU, and the grandchild does wake first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_STATUS	7
#define ORPHAN_STATUS	33
#define SLEEP_NS	500000000L	/* 500 ms */

static void grandchild(pid_t parent)
{
	struct timespec ts = { 0, SLEEP_NS };
	pid_t now;

	printf("orphan: grandchild pid %d, parent %d; sleeping 500 ms\n", getpid(), parent);
	nanosleep(&ts, NULL);
	now = getppid();
	printf("orphan: grandchild pid %d woke: parent %d, now %d (init): %s\n", getpid(), parent, now,
	       now == 1 ? "ok" : "FAILED");
	exit(now == 1 ? ORPHAN_STATUS : 1);
}

int main(int argc, char **argv)
{
	pid_t child, got;
	int status = 0, ok;

	(void)argc;
	printf("orphan: %s running as pid %d\n", argv[0], getpid());
	child = fork();
	if (child == 0) {
		pid_t me = getpid();

		if (fork() == 0)
			grandchild(me);
		printf("orphan: child pid %d exits, leaving its child behind\n", me);
		exit(CHILD_STATUS);
	}
	if (child < 0) {
		printf("orphan: fork -> errno %d: FAILED\n", errno);
		return 19;
	}
	got = waitpid(child, &status, 0);
	ok = got == child && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_STATUS;
	printf("orphan: reaped child pid %d, status %d; the grandchild is init's now: %s\n", got,
	       WEXITSTATUS(status), ok ? "ok" : "FAILED");
	return ok ? 0 : 19;	/* 19: FS_EXIT_SCENARIO */
}
