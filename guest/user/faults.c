/*
 * faults: a user fault ends only the process that made it. One child per fault - a divide by zero
 * (#DE), a read of a kernel address (#PF: the kernel's identity map is supervisor-only), `hlt` in
 * ring 3 (#GP) - each killed by the signal 2.6.12 sends for it (SIGFPE, SIGSEGV, SIGSEGV), which the
 * parent sees in waitpid's status; and one that calls an unknown system call, gets -ENOSYS and exits
 * normally. The parent prints one line per outcome and checks each.
 *
 * The order of the lines does not depend on timing: each child runs first and ends before the parent
 * runs again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define KERNEL_ADDRESS	0x00100000	/* the kernel's text: mapped, supervisor only */
#define NOSYS_STATUS	38		/* the unknown-syscall child's exit status when it saw ENOSYS */

static void divide_by_zero(void)
{
	__asm__ __volatile__("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\tcltd\n\tidivl %%ecx"
			     : : : "eax", "ecx", "edx");
}

static void read_kernel(void)
{
	int v = *(volatile int *)KERNEL_ADDRESS;

	printf("faults: read 0x%x from the kernel at %p\n", v, (void *)KERNEL_ADDRESS);
}

static void halt(void)
{
	__asm__ __volatile__("hlt");
}

static void unknown_syscall(void)
{
	long r = syscall(999, 0, 0, 0);

	printf("faults: pid %d: syscall 999 -> %ld, errno %d\n", getpid(), r, errno);
	exit(r == -1 && errno == ENOSYS ? NOSYS_STATUS : 1);
}

struct fault_case {
	const char *what;
	void (*fn)(void);
	int signal;	/* the signal expected to end it, or 0 for an exit */
	int exit_status;
};

static const struct fault_case cases[] = {
	{ "divide by zero", divide_by_zero, SIGFPE, 0 },
	{ "read of kernel address 0x00100000", read_kernel, SIGSEGV, 0 },
	{ "hlt in ring 3", halt, SIGSEGV, 0 },
	{ "unknown system call 999", unknown_syscall, 0, NOSYS_STATUS },
};

static int run_case(const struct fault_case *c)
{
	int status = 0, ok;
	pid_t pid = fork(), got;

	if (pid < 0) {
		printf("faults: fork for %s failed, errno %d\n", c->what, errno);
		return 0;
	}
	if (pid == 0) {
		c->fn();
		exit(1);	/* the fault did not end it */
	}
	got = waitpid(pid, &status, 0);
	if (c->signal) {
		ok = got == pid && WIFSIGNALED(status) && WTERMSIG(status) == c->signal;
		printf("faults: pid %d (%s): status %04x, killed by signal %d, expected %d: %s\n", got,
		       c->what, status, WIFSIGNALED(status) ? WTERMSIG(status) : 0, c->signal,
		       ok ? "ok" : "FAILED");
	} else {
		ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == c->exit_status;
		printf("faults: pid %d (%s): status %04x, exited with %d, expected %d: %s\n", got, c->what,
		       status, WIFEXITED(status) ? WEXITSTATUS(status) : -1, c->exit_status,
		       ok ? "ok" : "FAILED");
	}
	return ok;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int failed = 0;

	(void)argc;
	printf("faults: %s running as pid %d: %u children, one fault each\n", argv[0], getpid(),
	       (unsigned int)(sizeof(cases) / sizeof(cases[0])));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!run_case(&cases[i]))
			failed++;
	printf("faults: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
