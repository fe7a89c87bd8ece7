/* arch/i386/kernel/process.c's system calls and the system call table (2.6.12: entry.S's
 * sys_call_table). Handlers are asmlinkage: their arguments are the pt_regs slots SAVE_ALL pushed. */
#include <linux/sched.h>
#include <linux/binfmts.h>
#include <asm/ptrace.h>
#include <asm/unistd.h>

asmlinkage long sys_ni_syscall(void);
asmlinkage long sys_ni_syscall(void)
{
	return -ENOSYS;
}

asmlinkage long sys_exit(int error_code);
asmlinkage long sys_exit(int error_code)
{
	do_exit((error_code & 0xff) << 8);
}

/* fork/clone/vfork read the whole frame: pt_regs passed by value is the frame itself. */
asmlinkage int sys_fork(struct pt_regs regs);
asmlinkage int sys_fork(struct pt_regs regs)
{
	return do_fork(SIGCHLD, regs.esp, &regs, 0, NULL, NULL);
}

asmlinkage int sys_clone(struct pt_regs regs);
asmlinkage int sys_clone(struct pt_regs regs)
{
	unsigned long clone_flags = regs.ebx;
	unsigned long newsp = regs.ecx;

	if (!newsp)
		newsp = regs.esp;
	return do_fork(clone_flags, newsp, &regs, 0, (int __user *)regs.edx, (int __user *)regs.edi);
}

asmlinkage int sys_vfork(struct pt_regs regs);
asmlinkage int sys_vfork(struct pt_regs regs)
{
	return do_fork(CLONE_VFORK | CLONE_VM | SIGCHLD, regs.esp, &regs, 0, NULL, NULL);
}

/* execve: regs is the frame the return to user mode pops; a successful exec rewrites it. */
asmlinkage int sys_execve(struct pt_regs regs);
asmlinkage int sys_execve(struct pt_regs regs)
{
	return do_execve((const char __user *)regs.ebx, (char __user *const __user *)regs.ecx,
			 (char __user *const __user *)regs.edx, &regs);
}

asmlinkage ssize_t sys_read(unsigned int fd, char __user *buf, size_t count);	/* fs/ */
asmlinkage ssize_t sys_write(unsigned int fd, const char __user *buf, size_t count);	/* fs/ */
asmlinkage long sys_nice(int increment);						/* kernel/sched.c */
asmlinkage long sys_kill(int pid, int sig);						/* kernel/signal.c */
asmlinkage long sys_sigaction(int sig, const void __user *act, void __user *oact);
asmlinkage long sys_signal(int sig, void *handler);
asmlinkage long sys_sigprocmask(int how, const void __user *set, void __user *oset);
asmlinkage int sys_sigreturn(struct pt_regs regs);					/* arch/i386/kernel/signal.c */
asmlinkage long sys_setuid(uid_t uid);							/* kernel/sys.c */
asmlinkage long sys_getuid(void);
struct rlimit;
asmlinkage long sys_getrlimit(unsigned int resource, struct rlimit __user *rlim);
asmlinkage long sys_setrlimit(unsigned int resource, struct rlimit __user *rlim);
struct timespec;
struct tms;
asmlinkage long sys_times(struct tms __user *tbuf);					/* kernel/timer.c */
asmlinkage long sys_nanosleep(struct timespec __user *rqtp, struct timespec __user *rmtp);	/* kernel/timer.c */

asmlinkage long sys_getpid(void);
asmlinkage long sys_getpid(void)
{
	return current->tgid;
}

asmlinkage long sys_getppid(void);
asmlinkage long sys_getppid(void)
{
	return current->real_parent->tgid;
}

asmlinkage long sys_wait4_entry(pid_t pid, int *stat_addr, int options, void *ru);
asmlinkage long sys_wait4_entry(pid_t pid, int *stat_addr, int options, void *ru)
{
	return sys_wait4(pid, stat_addr, options, ru);
}

asmlinkage long sys_waitpid(pid_t pid, int *stat_addr, int options);
asmlinkage long sys_waitpid(pid_t pid, int *stat_addr, int options)
{
	return sys_wait4(pid, stat_addr, options, NULL);
}

typedef long (*syscall_fn)(void);
#pragma clang diagnostic ignored "-Winitializer-overrides"
#define SYS(nr, fn) [nr] = (syscall_fn)fn

/* Indexed by eax; entry.S bounds-checks against NR_syscalls. Unused slots: sys_ni_syscall. */
const syscall_fn sys_call_table[NR_syscalls] = {
	[0 ... NR_syscalls - 1] = (syscall_fn)sys_ni_syscall,
	SYS(__NR_exit, sys_exit),
	SYS(__NR_fork, sys_fork),
	SYS(__NR_read, sys_read),
	SYS(__NR_write, sys_write),
	SYS(__NR_waitpid, sys_waitpid),
	SYS(__NR_execve, sys_execve),
	SYS(__NR_getpid, sys_getpid),
	SYS(__NR_setuid, sys_setuid),
	SYS(__NR_getuid, sys_getuid),
	SYS(__NR_times, sys_times),
	SYS(__NR_nice, sys_nice),
	SYS(__NR_kill, sys_kill),
	SYS(__NR_signal, sys_signal),
	SYS(__NR_sigaction, sys_sigaction),
	SYS(__NR_sigreturn, sys_sigreturn),
	SYS(__NR_sigprocmask, sys_sigprocmask),
	SYS(__NR_getppid, sys_getppid),
	SYS(__NR_setrlimit, sys_setrlimit),
	SYS(__NR_getrlimit, sys_getrlimit),
	SYS(__NR_wait4, sys_wait4_entry),
	SYS(__NR_clone, sys_clone),
	SYS(__NR_sched_yield, sys_sched_yield),
	SYS(__NR_nanosleep, sys_nanosleep),
	SYS(__NR_vfork, sys_vfork),
};
