/*
 * init/user_scenarios.c: the scenarios that leave the kernel - init (pid 1) execs a user program, as
 * 2.6.12's init() ends with run_init_process("/sbin/init"), and that program runs the scenario in
 * ring 3. Its exit status becomes the machine's (kernel_shutdown).
 */
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

static const char *const envp_init[] = { "HOME=/", "TERM=linux", NULL };

/* run_init_process: pid 1 becomes the user program. Does not return on success. */
static long run_init_process(const char *filename)
{
	const char *argv_init[] = { filename, NULL };

	return kernel_execve(filename, argv_init, envp_init);
}

/* forktest: guest/user/forktest.c - a tree of forks from user mode, every status checked. */
int scenario_forktest(void)
{
	long err = run_init_process("/bin/forktest");

	printk("forktest: execve(\"/bin/forktest\") failed: %ld\n", err);
	return FS_EXIT_SCENARIO;
}

/* Runs the user program /bin/<name> as pid 1; returns only when the exec failed. */
static int run_user_program(const char *path)
{
	long err = run_init_process(path);

	printk("init: execve(\"%s\") failed: %ld\n", path, err);
	return FS_EXIT_SCENARIO;
}

/* isolation: guest/user/isolation.c - parent and child each keep their own global and stack variable. */
int scenario_isolation(void)
{
	return run_user_program("/bin/isolation");
}

extern char saved_command_line[];

/*
 * lines: guest/user/lines.c - reads console lines (forkscope run --serial-input FILE) until end of
 * file. "lines.pause=MS" on the kernel command line is passed on as its argument: it sleeps that long
 * before its first read, so the input piles up (the tty buffer fills, the driver throttles, the
 * UART's FIFO fills and its sender holds the line).
 */
int scenario_lines(void)
{
	static char pause[12];
	const char *argv[] = { "/bin/lines", NULL, NULL };
	const char *opt = strstr(saved_command_line, "lines.pause=");
	unsigned int i = 0;
	long err;

	if (opt) {
		for (opt += sizeof("lines.pause=") - 1; *opt >= '0' && *opt <= '9' && i < 10; opt++)
			pause[i++] = *opt;
		pause[i] = '\0';
		argv[1] = pause;
	}
	err = kernel_execve(argv[0], argv, envp_init);
	printk("init: execve(\"%s\") failed: %ld\n", argv[0], err);
	return FS_EXIT_SCENARIO;
}

/* faults: guest/user/faults.c - user faults end only the faulting child, with the right signal. */
int scenario_faults(void)
{
	return run_user_program("/bin/faults");
}

/*
 * forkbomb: guest/user/forkbomb.c - fork until -EAGAIN. Root is exempt from RLIMIT_NPROC (and
 * max_threads is far away), so init first becomes a user of its own with a limit of 8 processes, as a
 * login would (2.6.12's setuid moves the task to the new uid's user_struct: switch_uid). The counts
 * move with it; release_task and free_task give them back to that user_struct.
 */
#define FORKBOMB_UID	1000
#define FORKBOMB_NPROC	8

static struct user_struct forkbomb_user = {
	.__count = ATOMIC_INIT(0), .processes = ATOMIC_INIT(0), .uid = FORKBOMB_UID
};

int scenario_forkbomb(void)
{
	struct task_struct *tsk = current;

	local_irq_disable();
	atomic_dec(&tsk->user->processes);
	atomic_dec(&tsk->user->__count);
	tsk->user = &forkbomb_user;
	atomic_inc(&forkbomb_user.__count);
	atomic_inc(&forkbomb_user.processes);
	tsk->uid = FORKBOMB_UID;
	tsk->rlim_nproc = FORKBOMB_NPROC;
	local_irq_enable();
	printk("forkbomb: pid %d now uid %u with RLIMIT_NPROC %lu (processes %d)\n", tsk->pid, tsk->uid,
	       tsk->rlim_nproc, atomic_read(&forkbomb_user.processes));
	return run_user_program("/bin/forkbomb");
}

/* schedmix: guest/user/schedmix.c - user CPU hogs at three nice values and a 10 ms sleeper. */
int scenario_schedmix(void)
{
	return run_user_program("/bin/schedmix");
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
	(void)unused;
	return run_user_program("/bin/forkloop");
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
