/*
 * isolation: after fork() parent and child have separate copies of every user page. Both write their
 * own values to the same global (data segment) and the same local (stack) - the same linear
 * addresses in both - and each checks that the other's writes did not reach it:
 *   1. the child (it runs first, wake_up_new_task) writes 1000/2000 and yields (sched_yield moves it
 *      to the expired array, so the parent runs);
 *   2. the parent still reads the values from before the fork (1/2), writes 3000/4000 and sleeps in
 *      waitpid();
 *   3. the child still reads its 1000/2000 and exits with 42 if so; the parent, woken, still reads
 *      3000/4000 and checks the child's exit status.
 * The order of the lines does not depend on timing: it is the one above.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_OK	42	/* the child's exit status when it saw its own values */
#define CHILD_FAILED	1

static volatile int global = 1;

static int sees(const char *who, volatile int *g, volatile int *l, int want_g, int want_l)
{
	int ok = *g == want_g && *l == want_l;

	printf("isolation: %s pid %d reads global %d (expected %d), local %d (expected %d): %s\n", who,
	       getpid(), *g, want_g, *l, want_l, ok ? "ok" : "FAILED");
	return ok;
}

int main(int argc, char **argv)
{
	volatile int local = 2;
	int failed = 0, status = 0;
	pid_t pid, got;

	(void)argc;
	printf("isolation: %s running as pid %d: global at %p, local at %p\n", argv[0], getpid(),
	       (void *)&global, (void *)&local);
	pid = fork();
	if (pid < 0) {
		printf("isolation: fork failed, errno %d\n", errno);
		return 19;
	}
	if (pid == 0) {
		global = 1000;
		local = 2000;
		printf("isolation: child pid %d wrote global 1000, local 2000 at %p, %p\n", getpid(),
		       (void *)&global, (void *)&local);
		sched_yield();	/* the parent checks and writes its own values now */
		exit(sees("child", &global, &local, 1000, 2000) ? CHILD_OK : CHILD_FAILED);
	}
	if (!sees("parent", &global, &local, 1, 2))	/* the child's 1000/2000 are not here */
		failed++;
	global = 3000;
	local = 4000;
	printf("isolation: parent pid %d wrote global 3000, local 4000 at %p, %p\n", getpid(),
	       (void *)&global, (void *)&local);
	got = waitpid(pid, &status, 0);
	if (!sees("parent", &global, &local, 3000, 4000))
		failed++;
	if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK) {
		printf("isolation: waitpid(%d) -> %d, status %04x: expected exit status %d: FAILED\n", pid,
		       got, status, CHILD_OK);
		failed++;
	} else {
		printf("isolation: child pid %d exited with %d: ok\n", got, WEXITSTATUS(status));
	}
	printf("isolation: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
