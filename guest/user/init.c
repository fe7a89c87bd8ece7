/*
 * init: the first user process, /sbin/init, pid 1. The kernel execs it (init/main.c: init=/sbin/init,
 * or a scenario such as init=forktest) with the programs to run as its arguments, e.g.
 *   init=/sbin/init -- forktest isolation
 * For each program in turn it forks a child that execs /bin/<name> (a name with a '/' is used as it
 * is), then waits until that child is reaped. Anything else it reaps meanwhile is an orphan: a
 * process whose parent exited first is given to init (exit.c: forget_original_parent), and init is
 * the one that waits for it, as Linux's init does.
 *
 * Unlike a real init, which never exits (Linux panics if it does), this one exits when its list is
 * done: the machine's exit status is init's (kernel_shutdown). It is 0 when every program exited with
 * 0, otherwise the first failure's exit status, or 19 (FS_EXIT_SCENARIO) for a program killed by a
 * signal or one that could not be exec'd.
 *
 * Every line is printed before the child it announces is forked or after it is reaped, so the order
 * of init's lines and the programs' lines does not depend on timing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_SCENARIO	19	/* abi.h's FS_EXIT_SCENARIO: a check failed */
#define EXEC_FAILED	127	/* a child whose execve failed, as a shell reports it */
#define PATH_MAX	64

/* "/bin/<name>", or name itself when it is a path already. */
static const char *program_path(const char *name, char *buf)
{
	size_t n = strlen(name), i;

	for (i = 0; i < n; i++)
		if (name[i] == '/')
			return name;
	if (n + 6 > PATH_MAX)
		return name;
	memcpy(buf, "/bin/", 5);
	memcpy(buf + 5, name, n + 1);
	return buf;
}

/* Prints how a reaped process ended; returns its share of init's status (0 when it exited with 0). */
static int report(const char *what, pid_t pid, int status)
{
	if (WIFEXITED(status)) {
		printf("init: %s (pid %d) exited with status %d\n", what, pid, WEXITSTATUS(status));
		return WEXITSTATUS(status);
	}
	printf("init: %s (pid %d) killed by signal %d\n", what, pid, WTERMSIG(status));
	return EXIT_SCENARIO;
}

/* Runs one program to its end; returns its share of init's status. */
static int run(const char *name, char **envp)
{
	char buf[PATH_MAX];
	const char *path = program_path(name, buf);
	char *argv[2] = { (char *)path, NULL };
	int status, result = 0, done = 0;
	pid_t pid, got;

	printf("init: starting %s\n", path);
	pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		printf("init: execve(\"%s\") failed: errno %d\n", path, errno);
		_exit(EXEC_FAILED);
	}
	if (pid < 0) {
		printf("init: fork for %s failed: errno %d\n", path, errno);
		return EXIT_SCENARIO;
	}
	while (!done) {
		got = waitpid(-1, &status, 0);
		if (got < 0) {
			printf("init: waitpid: errno %d before %s (pid %d) ended\n", errno, path, pid);
			return EXIT_SCENARIO;
		}
		if (got == pid) {
			result = report(path, pid, status);
			if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED)
				result = EXIT_SCENARIO;
			done = 1;
		} else {
			report("orphan", got, status);
		}
	}
	return result;
}

int main(int argc, char **argv, char **envp)
{
	int i, status = 0, result;

	printf("init: %s as pid %d, %d program%s to run\n", argv[0], getpid(), argc - 1,
	       argc == 2 ? "" : "s");
	for (i = 1; i < argc; i++) {
		result = run(argv[i], envp);
		if (result && !status)
			status = result;
	}
	/* Orphans still running when the last program ended (their parents did not wait). */
	for (;;) {
		int st;
		pid_t got = waitpid(-1, &st, 0);

		if (got < 0)
			break;
		report("orphan", got, st);
	}
	printf("init: done, status %d\n", status);
	return status;
}
