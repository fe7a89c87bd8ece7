/*
 * forkloop: the leak check. 10 000 times: fork, the child exits at once with a status of its own
 * (the cycle number's low byte), the parent waits for it and checks pid and status. Every tenth of
 * the way it prints how far it got. The kernel (init/user_scenarios.c) compares the free pages and
 * object counts from before this program ran with those after it is reaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CYCLES	10000

int main(int argc, char **argv)
{
	int i, status, failed = 0;
	pid_t pid, got;

	(void)argc;
	printf("forkloop: %s running as pid %d: %d fork+exit+wait cycles\n", argv[0], getpid(), CYCLES);
	for (i = 0; i < CYCLES; i++) {
		pid = fork();
		if (pid == 0)
			exit(i & 0xff);
		if (pid < 0) {
			printf("forkloop: cycle %d: fork -> -1, errno %d: FAILED\n", i, errno);
			return 19;
		}
		status = -1;
		got = waitpid(pid, &status, 0);
		if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != (i & 0xff)) {
			printf("forkloop: cycle %d: waitpid(%d) -> %d, status %d: FAILED\n", i, pid, got,
			       status);
			if (++failed == 10)
				break;
		}
		if ((i + 1) % (CYCLES / 10) == 0)
			printf("forkloop: %d cycles, last child pid %d\n", i + 1, pid);
	}
	printf("forkloop: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
