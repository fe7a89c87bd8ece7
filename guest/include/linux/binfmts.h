/* linux/binfmts.h: what exec carries from the old program to the new one (fs/exec.c,
 * fs/binfmt_elf.c). */
#ifndef _LINUX_BINFMTS_H
#define _LINUX_BINFMTS_H

#include <linux/types.h>

struct pt_regs;
struct mm_struct;

#define MAX_ARG_STRINGS	32	/* argv + envp entries (2.6.12 allows far more) */

/* A program built into the kernel image (usr/user_programs.S). */
struct user_program {
	const char *name;
	const void *image;	/* its ELF file */
	unsigned long size;
};
extern const struct user_program user_programs[];

struct linux_binprm {
	const struct user_program *prog;
	char *page;		/* a kernel page: the argument strings, then the environment's */
	unsigned long strings;	/* bytes used in page */
	int argc, envc;
	struct mm_struct *mm;	/* the new address space, until exec_mmap() installs it */
	unsigned long p;	/* the new program's initial stack pointer */
};

int do_execve(const char __user *filename, char __user *const __user *argv,
	      char __user *const __user *envp, struct pt_regs *regs);
int load_elf_binary(struct linux_binprm *bprm, struct pt_regs *regs);
int flush_old_exec(struct linux_binprm *bprm);

#endif
