/* lib/syscalls.c: the system call wrappers (unistd.h, sys/wait.h, stdlib.h's exit). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int errno;

static long syscall_return(long res)
{
	if ((unsigned long)res >= (unsigned long)-MAX_ERRNO) {
		errno = (int)-res;
		return -1;
	}
	return res;
}

static inline long raw_syscall3(long nr, long a, long b, long c)
{
	long res;

	__asm__ __volatile__("int $0x80" : "=a"(res) : "0"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return res;
}

long syscall(long nr, long a, long b, long c)
{
	return syscall_return(raw_syscall3(nr, a, b, c));
}

pid_t fork(void)
{
	return (pid_t)syscall(__NR_fork, 0, 0, 0);
}

pid_t getpid(void)
{
	return (pid_t)syscall(__NR_getpid, 0, 0, 0);
}

pid_t getppid(void)
{
	return (pid_t)syscall(__NR_getppid, 0, 0, 0);
}

int kill(pid_t pid, int sig)
{
	return (int)syscall(__NR_kill, pid, sig, 0);
}

/* __restore: where a handler installed by sigaction() returns (sa_restorer): the handler's ret has
 * popped the return address, so esp points at the frame's signal number - pop it, as the kernel's own
 * trampoline does, and call sigreturn(119), which does not return here. */
__asm__(".text\n"
	".globl __restore\n"
	".type __restore, @function\n"
	"__restore:\n\t"
	"popl %eax\n\t"
	"movl $" "119" ", %eax\n\t"
	"int $0x80\n"
	".size __restore, . - __restore\n");
_Static_assert(__NR_sigreturn == 119, "__restore's system call number");

/* sigaction: glibc's way - the kernel returns from the handler through __restore (SA_RESTORER). */
int sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	struct sigaction k;

	if (act) {
		k = *act;
		k.sa_flags |= SA_RESTORER;
		k.sa_restorer = __restore;
		act = &k;
	}
	return (int)syscall(__NR_sigaction, sig, (long)act, (long)oact);
}

/* signal: the kernel's signal(48), System V semantics (one-shot, not blocked while it runs). */
sighandler_t signal(int sig, sighandler_t handler)
{
	long r = raw_syscall3(__NR_signal, sig, (long)handler, 0);

	if ((unsigned long)r >= (unsigned long)-MAX_ERRNO) {
		errno = (int)-r;
		return SIG_ERR;
	}
	return (sighandler_t)r;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *oset)
{
	return (int)syscall(__NR_sigprocmask, how, (long)set, (long)oset);
}

static int bad_signal(int sig)
{
	if (sig < 1 || sig > 31) {
		errno = EINVAL;
		return 1;
	}
	return 0;
}

int sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	*set = 0x7fffffffUL;
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (bad_signal(sig))
		return -1;
	*set |= 1UL << (sig - 1);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (bad_signal(sig))
		return -1;
	*set &= ~(1UL << (sig - 1));
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (bad_signal(sig))
		return -1;
	return (*set >> (sig - 1)) & 1;
}

uid_t getuid(void)
{
	return (uid_t)syscall(__NR_getuid, 0, 0, 0);
}

int setuid(uid_t uid)
{
	return (int)syscall(__NR_setuid, (long)uid, 0, 0);
}

int getrlimit(int resource, struct rlimit *rlim)
{
	return (int)syscall(__NR_getrlimit, resource, (long)rlim, 0);
}

int setrlimit(int resource, const struct rlimit *rlim)
{
	return (int)syscall(__NR_setrlimit, resource, (long)rlim, 0);
}

ssize_t read(int fd, void *buf, size_t count)
{
	return syscall(__NR_read, fd, (long)buf, (long)count);
}

/* nice: Linux's system call returns 0 on success (glibc then reads the new value back with
 * getpriority; this libc has no getpriority, so it returns the kernel's 0). */
int nice(int increment)
{
	return (int)syscall(__NR_nice, increment, 0, 0);
}

clock_t times(struct tms *buf)
{
	return (clock_t)syscall(__NR_times, (long)buf, 0, 0);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)syscall(__NR_nanosleep, (long)req, (long)rem, 0);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	return syscall(__NR_write, fd, (long)buf, (long)count);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return (pid_t)syscall(__NR_waitpid, pid, (long)status, options);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)syscall(__NR_execve, (long)path, (long)argv, (long)envp);
}

int sched_yield(void)
{
	return (int)syscall(__NR_sched_yield, 0, 0, 0);
}

void _exit(int status)
{
	for (;;)
		raw_syscall3(__NR_exit, status, 0, 0);
}

void exit(int status)
{
	_exit(status);
}
