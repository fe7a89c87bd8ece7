/*
 * init.c: /init of the initramfs scripts/linux builds for Debian's unmodified i386 Linux 6.1
 * (issue 13). The kernel runs it as pid 1 with the console (console=ttyS0) on fds 0-2. It prints
 * what it does, forks from user space (the child returns 0 from fork through ret_from_fork),
 * forks and execs /bin/hello, checks how each child ended, and ends the run through the debug-exit
 * port: 0 when every check held, else the number of the first that failed. Only the child prints
 * between a fork and its wait4, so the lines come in the same order whoever runs first; no line
 * holds a pid other than 1 (the kernel's own threads take the others, more or fewer by timing), so
 * QEMU and forkscope print the same lines.
 */
#include "sys.h"

static void __attribute__((noreturn)) finish(int status)
{
	put("init: done, status ");
	put_num(status);
	put("\n");
	/* ioperm(2) opens the port in the task's I/O bitmap; iopl(3) is the older way (both need
	 * CAP_SYS_RAWIO, which pid 1 has). */
	if (sys_ioperm(DEBUG_EXIT_PORT, 4, 1) != 0 && sys_iopl(3) != 0)
		put("init: no access to the debug-exit port: exiting (the kernel will panic)\n");
	__asm__ volatile("outl %0, %1" : : "a"((unsigned)status), "Nd"((unsigned short)DEBUG_EXIT_PORT));
	sys_exit(status);
}

/* Waits for `pid` and checks it exited with `want`; prints the outcome. */
static int reap(long pid, const char *what, int want)
{
	int status = 0;
	long got = sys_wait4(pid, &status, 0);
	if (got != pid) {
		put("init: wait4 did not return the pid fork returned for ");
		put(what);
		put(": ");
		put_num(got);
		put("\n");
		return 0;
	}
	put("init: ");
	put(what);
	if (!WIFEXITED(status)) {
		put(" did not exit (wait status ");
		put_num(status);
		put(")\n");
		return 0;
	}
	put(" exited with status ");
	put_num(WEXITSTATUS(status));
	put("\n");
	return WEXITSTATUS(status) == want;
}

static int fork_and_wait(void)
{
	long pid = sys_fork();
	if (pid < 0) {
		put("init: fork failed\n");
		return 0;
	}
	if (pid == 0) {
		/* The child: fork returned 0 here, through the kernel's ret_from_fork. */
		put("init: child: fork returned 0, my parent is ");
		put_num(sys_getppid());
		put(sys_getpid() > 1 ? ", my pid is above 1\n" : ", my pid is wrong\n");
		sys_exit(42);
	}
	return reap(pid, "the forked child", 42);
}

static int run_hello(void)
{
	static char *const argv[] = {"/bin/hello", "from-init", 0};
	static char *const envp[] = {"HOME=/", 0};
	long pid = sys_fork();
	if (pid < 0) {
		put("init: fork failed\n");
		return 0;
	}
	if (pid == 0) {
		long err = sys_execve(argv[0], argv, envp);
		put("init: execve /bin/hello failed: ");
		put_num(err);
		put("\n");
		sys_exit(127);
	}
	return reap(pid, "/bin/hello", 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	put("init: forkscope /init running as pid ");
	put_num(sys_getpid());
	put(" (");
	put_num(argc);
	put(argc == 1 ? " argument: " : " arguments, the first: ");
	put(argv[0]);
	put(")\n");
	if (sys_getpid() != 1)
		finish(1);
	if (!fork_and_wait())
		finish(2);
	if (!run_hello())
		finish(3);
	finish(0);
}
