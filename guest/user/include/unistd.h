/* unistd.h: the system call wrappers of the user programs' libc (lib/syscalls.c). Each returns what
 * the kernel returned, or -1 with errno set when that was -errno (Linux's i386 convention: int $0x80,
 * eax = number, ebx/ecx/edx = arguments, eax = result). */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>
#include <asm/unistd.h>

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2

pid_t fork(void);
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
int setuid(uid_t uid);
ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
int nice(int increment);
int execve(const char *path, char *const argv[], char *const envp[]);
int sched_yield(void);
void _exit(int status) __attribute__((noreturn));
/* syscall: any system call by number, with up to three arguments (like glibc's syscall(2)). */
long syscall(long nr, long a, long b, long c);

#endif
