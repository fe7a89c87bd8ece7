/* asm-i386/unistd.h: the system call numbers the guest implements (Linux's numbers). Plain #defines:
 * the user programs' libc (guest/user/lib) includes it too. */
#ifndef _ASM_UNISTD_H
#define _ASM_UNISTD_H

#define __NR_restart_syscall	0
#define __NR_exit		1
#define __NR_fork		2
#define __NR_read		3
#define __NR_write		4
#define __NR_waitpid		7
#define __NR_execve		11
#define __NR_getpid		20
#define __NR_setuid		23
#define __NR_getuid		24
#define __NR_nice		34
#define __NR_kill		37
#define __NR_signal		48
#define __NR_times		43
#define __NR_getppid		64
#define __NR_sigaction		67
#define __NR_setrlimit		75
#define __NR_getrlimit		76
#define __NR_wait4		114
#define __NR_sigreturn		119
#define __NR_clone		120
#define __NR_sigprocmask	126
#define __NR_sched_yield	158
#define __NR_nanosleep		162
#define __NR_vfork		190
#define NR_syscalls		191

#endif
