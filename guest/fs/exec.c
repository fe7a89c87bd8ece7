/*
 * fs/exec.c: execve(). 2.6.12 opens the file, reads its first page, copies the arguments onto the new
 * stack and lets each binary format try it; here the "file" is a program built into the kernel image
 * (usr/user_programs.S), found by the last component of its path, and ELF is the only format.
 *
 * From a kernel thread (init, whose execve is an int $0x80 from ring 0, as in 2.6.12's
 * run_init_process) exec turns the caller into a user process: the pt_regs it changes are the ones
 * restore_all's iret pops, so that iret, now a 5-word one, enters the program in ring 3.
 */
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/binfmts.h>
#include <linux/signal.h>
#include <asm/mmu_context.h>
#include <asm/system.h>
#include <asm/uaccess.h>

#define EXEC_NAME_MAX	64

static const struct user_program *find_user_program(const char *filename)
{
	const char *name = filename, *p;
	const struct user_program *prog;

	for (p = filename; *p; p++)
		if (*p == '/')
			name = p + 1;
	for (prog = user_programs; prog->name; prog++)
		if (!strcmp(prog->name, name))
			return prog;
	return NULL;
}

/* copy_strings: the NULL-terminated vector of user strings, appended to bprm->page. Returns the count
 * or -errno (-E2BIG when they do not fit in a page or there are too many). */
static int copy_strings(char __user *const __user *argv, struct linux_binprm *bprm)
{
	int n = 0;

	if (!argv)
		return 0;
	for (;;) {
		char __user *str;
		long len;

		if (get_user(str, argv + n))
			return -EFAULT;
		if (!str)
			return n;
		if (bprm->argc + bprm->envc + n >= MAX_ARG_STRINGS)
			return -E2BIG;
		len = strncpy_from_user(bprm->page + bprm->strings, str, PAGE_SIZE - bprm->strings);
		if (len < 0)
			return len;
		if ((unsigned long)len >= PAGE_SIZE - bprm->strings)
			return -E2BIG;
		bprm->strings += len + 1;
		n++;
	}
}

/*
 * exec_mmap: the point of no return - current runs on mm from now on. A user process's old address
 * space goes (mmput); a kernel thread gives back the one it borrowed (mmdrop).
 */
static void exec_mmap(struct mm_struct *mm)
{
	struct task_struct *tsk = current;
	struct mm_struct *old_mm = tsk->mm, *active_mm;

	local_irq_disable();
	active_mm = tsk->active_mm;
	tsk->mm = mm;
	tsk->active_mm = mm;
	activate_mm(active_mm, mm);
	local_irq_enable();
	if (old_mm) {
		BUG_ON(active_mm != old_mm);
		mmput(old_mm);
		return;
	}
	mmdrop(active_mm);
}

/* flush_old_exec: leave the old program behind: its address space, its signal handlers (caught
 * signals go back to SIG_DFL; ignored ones, the blocked mask and pending signals stay), its name,
 * "forked, no exec". */
int flush_old_exec(struct linux_binprm *bprm)
{
	exec_mmap(bprm->mm);
	bprm->mm = NULL;
	flush_signal_handlers(current, 0);
	current->flags &= ~PF_FORKNOEXEC;
	current->did_exec = 1;
	set_task_comm(current, bprm->prog->name);
	return 0;
}

/*
 * do_execve: replace the current program with the one named filename, arguments argv, environment
 * envp (both NULL-terminated vectors of strings, either may be NULL). Returns -errno if it fails
 * (-ENOENT: no such program, -EFAULT, -E2BIG, -ENOEXEC, -ENOMEM), the caller's program intact;
 * on success it returns 0 into a new program whose entry and stack are in regs.
 */
int do_execve(const char __user *filename, char __user *const __user *argv,
	      char __user *const __user *envp, struct pt_regs *regs)
{
	struct linux_binprm bprm;
	char name[EXEC_NAME_MAX];
	long len;
	int retval;

	len = strncpy_from_user(name, filename, sizeof(name));
	if (len < 0)
		return len;
	if (len == sizeof(name))
		return -ENAMETOOLONG;
	memset(&bprm, 0, sizeof(bprm));
	bprm.prog = find_user_program(name);
	if (!bprm.prog)
		return -ENOENT;
	bprm.page = (char *)__get_free_pages(GFP_KERNEL, 0);
	if (!bprm.page)
		return -ENOMEM;
	retval = copy_strings(argv, &bprm);
	if (retval < 0)
		goto out;
	bprm.argc = retval;
	retval = copy_strings(envp, &bprm);
	if (retval < 0)
		goto out;
	bprm.envc = retval;
	retval = unshare_sighand(current);	/* 2.6.12: de_thread, before the point of no return */
	if (retval < 0)
		goto out;
	retval = load_elf_binary(&bprm, regs);
	if (bprm.mm)		/* failed before the point of no return */
		mmput(bprm.mm);
out:
	free_page((unsigned long)bprm.page);
	return retval;
}
