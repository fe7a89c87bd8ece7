/*
 * init/user_scenarios.c: the scenarios that leave the kernel - init (pid 1) execs a user program, as
 * 2.6.12's init() ends with run_init_process("/sbin/init"), and that program runs the scenario in
 * ring 3. Its exit status becomes the machine's (kernel_shutdown).
 */
#include <linux/sched.h>
#include <asm/unistd.h>
#include <asm/system.h>
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

/* run_init_process: pid 1 becomes the user program. Does not return on success. */
static long run_init_process(const char *filename)
{
	const char *argv_init[] = { filename, NULL };
	static const char *const envp_init[] = { "HOME=/", "TERM=linux", NULL };

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
