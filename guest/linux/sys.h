/*
 * sys.h: what /init and its programs need from Linux, called directly: the i386 system call ABI
 * (int $0x80, number in eax, arguments in ebx, ecx, edx, esi, edi; result in eax, -errno on
 * failure), with the numbers of Linux's arch/x86/entry/syscalls/syscall_32.tbl. No libc: these
 * programs run on Debian's unmodified kernel from an initramfs that holds nothing else.
 */
#ifndef GUEST_LINUX_SYS_H
#define GUEST_LINUX_SYS_H

#define __NR_exit 1
#define __NR_fork 2
#define __NR_write 4
#define __NR_execve 11
#define __NR_getpid 20
#define __NR_getppid 64
#define __NR_ioperm 101
#define __NR_iopl 110
#define __NR_wait4 114

/* forkscope's debug-exit port (devices/debug_exit.hpp; QEMU: -device isa-debug-exit,iobase=0xf4). */
#define DEBUG_EXIT_PORT 0xf4

static inline long syscall3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static inline long syscall4(long nr, long a, long b, long c, long d)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
			 : "memory");
	return ret;
}

static inline long sys_write(int fd, const void *buf, unsigned long n)
{
	return syscall3(__NR_write, fd, (long)buf, (long)n);
}
static inline long sys_fork(void) { return syscall3(__NR_fork, 0, 0, 0); }
static inline long sys_getpid(void) { return syscall3(__NR_getpid, 0, 0, 0); }
static inline long sys_getppid(void) { return syscall3(__NR_getppid, 0, 0, 0); }
static inline long sys_execve(const char *path, char *const argv[], char *const envp[])
{
	return syscall3(__NR_execve, (long)path, (long)argv, (long)envp);
}
/* wait4(pid, &status, options, rusage NULL) */
static inline long sys_wait4(long pid, int *status, int options)
{
	return syscall4(__NR_wait4, pid, (long)status, options, 0);
}
static inline long sys_ioperm(unsigned long from, unsigned long num, int on)
{
	return syscall3(__NR_ioperm, (long)from, (long)num, on);
}
static inline long sys_iopl(int level) { return syscall3(__NR_iopl, level, 0, 0); }
static inline __attribute__((noreturn)) void sys_exit(int code)
{
	for (;;)
		syscall3(__NR_exit, code, 0, 0);
}

/* wait status as Linux encodes it (include/uapi/linux/wait.h users: WIFEXITED, WEXITSTATUS). */
#define WIFEXITED(s) (((s) & 0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)

/* Output helpers (out.c). */
void put(const char *s);
void put_num(long n);

#endif
