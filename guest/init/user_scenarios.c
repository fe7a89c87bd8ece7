/*
 * init/user_scenarios.c: the scenarios that leave the kernel - init (pid 1) execs a user program, as
 * 2.6.12's init() ends with run_init_process("/sbin/init"), and that program runs the scenario in
 * ring 3. Its exit status becomes the machine's (kernel_shutdown).
 */
#include <linux/sched.h>
#include <asm/unistd.h>
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
