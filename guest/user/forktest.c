/*
 * forktest: fork() from user mode, three levels deep. The first process (started by init) is node
 * 0 of a tree in which every node down to depth 3 forks FANOUT children: node n's children are nodes
 * FANOUT * n + 1 .. FANOUT * n + FANOUT, 15 processes in all. Every process prints its pid and its
 * parent's (and checks getppid() against the pid its parent had before the fork), and exits with
 * 100 + its node number - a status no other process has; every parent waits for each child by the
 * pid fork() returned and checks that status. The system calls' error convention is checked once by
 * node 0 (an unknown number, a bad pointer, a bad file descriptor).
 *
 * The order of the lines does not depend on timing: a parent waits for each child before it forks the
 * next, so a time slice running out anywhere changes who runs when, never what is printed (the
 * machine tests run it at several CPU clocks, and scripts/peer-qemu under QEMU).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define FANOUT		2
#define DEPTH		3
#define EXIT_FAILED	1	/* a node whose children did not check out */

static int exit_status_of(int node)
{
	return 100 + node;
}

static int syscall_errors_ok(void)
{
	long nosys = syscall(999, 0, 0, 0);
	int nosys_errno = errno;
	long fault = write(STDOUT_FILENO, (const void *)0x1000, 4);
	int fault_errno = errno;
	long badf = write(7, "x", 1);
	int badf_errno = errno;
	int ok = nosys == -1 && nosys_errno == ENOSYS && fault == -1 && fault_errno == EFAULT &&
		 badf == -1 && badf_errno == EBADF;

	printf("forktest: syscall 999 -> -%d (ENOSYS), write(1, 0x1000, 4) -> -%d (EFAULT), "
	       "write(7, ...) -> -%d (EBADF): %s\n", nosys_errno, fault_errno, badf_errno,
	       ok ? "ok" : "FAILED");
	return ok;
}

/* Runs node `node` at `depth` in the current process; returns how many checks failed. */
static int run_node(int node, int depth, pid_t expected_parent)
{
	pid_t me = getpid(), parent = getppid();
	int i, failed = 0, status;

	printf("forktest: pid %d is node %d at depth %d, parent %d%s\n", me, node, depth, parent,
	       expected_parent && parent != expected_parent ? " (WRONG PARENT)" : "");
	if (expected_parent && parent != expected_parent)
		failed++;
	if (depth == DEPTH)
		return failed;
	for (i = 0; i < FANOUT; i++) {
		int child = FANOUT * node + 1 + i, ok;
		pid_t pid, got;

		pid = fork();
		if (pid == 0)
			exit(run_node(child, depth + 1, me) ? EXIT_FAILED : exit_status_of(child));
		if (pid < 0) {
			printf("forktest: pid %d: fork of node %d failed, errno %d\n", me, child, errno);
			failed++;
			continue;
		}
		/* Each child's subtree ends before the next child is forked: the one thing that keeps
		 * the lines in this order however the time slices fall (a child whose slice runs out
		 * lets its parent run, which only waits here). */
		got = waitpid(pid, &status, 0);
		ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == exit_status_of(child);
		printf("forktest: pid %d reaped pid %d (node %d): exit status %d, expected %d: %s\n", me,
		       got, child, WEXITSTATUS(status), exit_status_of(child), ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	/* Every child is reaped: nothing is left to wait for. */
	if (waitpid(-1, &status, 0) != -1 || errno != ECHILD) {
		printf("forktest: pid %d: waitpid(-1) with no children did not fail with ECHILD\n", me);
		failed++;
	}
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0;

	printf("forktest: %s (argc %d) running as pid %d: %d levels of %d children\n", argv[0], argc,
	       getpid(), DEPTH, FANOUT);
	if (!syscall_errors_ok())
		failed++;
	failed += run_node(0, 0, 0);
	printf("forktest: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO, the machine's exit status */
}
