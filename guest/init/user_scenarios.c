/*
 * init/user_scenarios.c: the scenarios that leave the kernel - init (pid 1) execs /sbin/init
 * (guest/user/init.c), as 2.6.12's init() ends with run_init_process("/sbin/init"), and that starts
 * the scenario's program in ring 3 as its child; or init= names the program to exec. pid 1's exit
 * status becomes the machine's (kernel_shutdown).
 */
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/unistd.h>
#include <asm/system.h>
#include <asm/mmu_context.h>
#include <abi.h>
#include "scenarios.h"

/* execve() from kernel code: 2.6.12's _syscall3 stub, int $0x80 from ring 0 with the pointers in
 * ebx, ecx, edx. Returns only when the exec failed (-errno). */
static long kernel_execve(const char *filename, const char *const argv[], const char *const envp[])
{
	long ret;

	__asm__ __volatile__("int $0x80"
			     : "=a"(ret)
			     : "0"(__NR_execve), "b"(filename), "c"(argv), "d"(envp)
			     : "memory");
	return ret;
}

/* run_init_process: pid 1 becomes the user program, with argv (NULL-terminated, argv[0] the program's
 * path). Does not return on success. */
static long run_init_process(const char *const argv[])
{
	static const char *const envp_init[] = { "HOME=/", "TERM=linux", NULL };

	return kernel_execve(argv[0], argv, envp_init);
}

/* Runs /sbin/init (guest/user/init.c) as pid 1 with one program to start; returns only when the exec
 * failed. */
static int run_under_init(const char *program)
{
	const char *argv[] = { "/sbin/init", program, NULL };
	long err = run_init_process(argv);

	printk(KERN_ERR "init: execve(\"%s\") failed: %ld\n", argv[0], err);
	return FS_EXIT_SCENARIO;
}

/* forktest: guest/user/forktest.c - a tree of forks from user mode, every status checked. */
int scenario_forktest(void)
{
	return run_under_init("forktest");
}

/* isolation: guest/user/isolation.c - parent and child each keep their own global and stack variable. */
int scenario_isolation(void)
{
	return run_under_init("isolation");
}

/* faults: guest/user/faults.c - user faults end only the faulting child, with the right signal. */
int scenario_faults(void)
{
	return run_under_init("faults");
}

/* forkbomb: guest/user/forkbomb.c - becomes uid 1000 with RLIMIT_NPROC 8 (setrlimit, setuid) and
 * forks until -EAGAIN. */
int scenario_forkbomb(void)
{
	return run_under_init("forkbomb");
}

/* schedmix: guest/user/schedmix.c - user CPU hogs at three nice values and a 10 ms sleeper. */
int scenario_schedmix(void)
{
	return run_under_init("schedmix");
}

/* signals: guest/user/signals.c - kill() and the default actions: sleepers woken and ended, SIGCHLD
 * ignored, EPERM for another user's process. */
int scenario_signals(void)
{
	return run_under_init("signals");
}

/* sighandler: guest/user/sighandler.c - handlers: sigaction, signal, sigprocmask, the signal frame and
 * sigreturn, a nanosleep interrupted with EINTR, SIG_IGN, a blocked signal delivered when unblocked, a
 * frame that does not fit (SIGSEGV), exec resetting handlers. */
int scenario_sighandler(void)
{
	return run_under_init("sighandler");
}

/*
 * lines: guest/user/lines.c - reads console lines (forkscope run --serial-input FILE) until end of
 * file, as pid 1 itself (no /sbin/init: its argument is passed straight on). "lines.pause=MS" on the
 * kernel command line becomes its argument: it sleeps that long before its first read, so the input
 * piles up (the tty buffer fills, the driver throttles, the UART's FIFO fills and its sender holds
 * the line). The same as init=/bin/lines -- MS.
 */
int scenario_lines(void)
{
	static char pause[12];
	const char *argv[] = { "/bin/lines", NULL, NULL };
	long ms = cmdline_number(saved_command_line, "lines.pause");
	long err;

	if (ms >= 0) {
		snprintf(pause, sizeof(pause), "%ld", ms);
		argv[1] = pause;
	}
	err = run_init_process(argv);
	printk(KERN_ERR "init: execve(\"%s\") failed: %ld\n", argv[0], err);
	return FS_EXIT_SCENARIO;
}

/*
 * init=/path: pid 1 execs that program, as 2.6.12's init() does with execute_command, with the words
 * after "--" on the command line as its arguments (at most MAX_INIT_ARGS; later kernels' convention,
 * which keeps them apart from the kernel's own options). E.g. "init=/sbin/init -- forktest faults".
 */
#define MAX_INIT_ARGS	8

int scenario_exec(void)
{
	static char words[COMMAND_LINE_SIZE];
	const char *argv[MAX_INIT_ARGS + 2];
	const char *p = strstr(saved_command_line, " -- ");
	char *w = words;
	int argc = 0;
	long err;

	argv[argc++] = execute_command;
	for (p = p ? p + 4 : ""; *p && argc <= MAX_INIT_ARGS; ) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		argv[argc++] = w;
		while (*p && *p != ' ')
			*w++ = *p++;
		*w++ = 0;
	}
	argv[argc] = NULL;
	err = run_init_process(argv);
	printk(KERN_ERR "init: execve(\"%s\") failed: %ld\n", execute_command, err);
	return FS_EXIT_SCENARIO;
}

/*
 * forkloop: guest/user/forkloop.c - 10 000 fork+exit+wait cycles from user mode. init stays a kernel
 * thread here: it reads the free pages and the task_struct/thread_info object counts, runs the
 * program in a child of its own (a kernel thread that execs it), reaps that child and reads the counts
 * again; they must be equal. The fork/exit/reap console lines are off while the program runs (30 000
 * of them); total_forks says how many forks there were.
 */
static int forkloop_child(void *unused)
{
	static const char *const argv[] = { "/bin/forkloop", NULL };
	long err;

	(void)unused;
	err = run_init_process(argv);
	printk(KERN_ERR "forkloop: execve(\"%s\") failed: %ld\n", argv[0], err);
	return FS_EXIT_SCENARIO;
}

/* init borrowed the last address space it ran on (a kernel thread has none of its own: active_mm);
 * give it back, as idle_task_exit() does for swapper, so that its pages count as free. */
static void drop_borrowed_mm(void)
{
	struct task_struct *tsk = current;
	struct mm_struct *mm = tsk->active_mm;

	if (tsk->mm || mm == &init_mm)
		return;
	local_irq_disable();
	switch_mm(mm, &init_mm, tsk);
	tsk->active_mm = &init_mm;
	atomic_inc(&init_mm.mm_count);
	local_irq_enable();
	mmdrop(mm);
}

int scenario_forkloop(void)
{
	struct mm_counts before, after;
	unsigned long forks_before, forks;
	long pid, got;
	int status = 0, same;

	drop_borrowed_mm();
	read_mm_counts(&before);
	print_mm_counts("forkloop: before", &before);
	forks_before = total_forks;
	lifecycle_log = 0;
	pid = kernel_thread_named("forkloop", forkloop_child, NULL, CLONE_FS | CLONE_FILES | CLONE_SIGHAND);
	got = pid < 0 ? pid : sys_wait4(pid, &status, __WALL, NULL);
	lifecycle_log = 1;
	drop_borrowed_mm();
	forks = total_forks - forks_before;
	read_mm_counts(&after);
	print_mm_counts("forkloop: after", &after);
	same = same_mm_counts(&before, &after);
	printk("forkloop: pid %ld reaped (%ld), status %d, %lu forks; counts %s\n", pid, got, status, forks,
	       same ? "equal" : "DIFFER");
	if (got != pid || status != 0 || !same) {
		printk("forkloop: FAILED\n");
		return FS_EXIT_SCENARIO;
	}
	printk("forkloop: ok\n");
	return FS_EXIT_OK;
}
