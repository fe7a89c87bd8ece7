/*
 * kernel/sys.c: the identity and resource-limit system calls a user program needs to become an
 * ordinary user with a process limit, as a login does before it runs a shell: getuid, setuid,
 * getrlimit and setrlimit. This kernel has one uid per task (no separate effective or saved uid) and
 * one resource limit, RLIMIT_NPROC; the others are refused with -EINVAL (2.6.12 knows eleven).
 */
#include <linux/sched.h>
#include <asm/uaccess.h>

#define RLIMIT_NPROC	6	/* Linux's number (asm-i386/resource.h) */

struct rlimit {
	unsigned long rlim_cur;
	unsigned long rlim_max;
};

asmlinkage long sys_getuid(void);
asmlinkage long sys_getuid(void)
{
	return current->uid;
}

/*
 * sys_setuid: root (2.6.12: capable(CAP_SETUID)) may become any uid; anyone else only the uid it
 * has. Moving to another uid moves the task's count to that user (set_user): -EAGAIN if the new user
 * already has RLIMIT_NPROC processes, as 2.6.12 refuses it.
 */
asmlinkage long sys_setuid(uid_t uid);
asmlinkage long sys_setuid(uid_t uid)
{
	struct user_struct *new_user;

	if (uid == current->uid)
		return 0;
	if (current->uid != 0)
		return -EPERM;
	new_user = alloc_uid(uid);
	if (!new_user)
		return -EAGAIN;
	if ((unsigned long)atomic_read(&new_user->processes) >= current->rlim_nproc &&
	    new_user != &root_user) {
		free_uid(new_user);
		return -EAGAIN;
	}
	switch_uid(new_user);
	current->uid = uid;
	return 0;
}

asmlinkage long sys_getrlimit(unsigned int resource, struct rlimit __user *rlim);
asmlinkage long sys_getrlimit(unsigned int resource, struct rlimit __user *rlim)
{
	struct rlimit value;

	if (resource != RLIMIT_NPROC)
		return -EINVAL;
	value.rlim_cur = current->rlim_nproc;
	value.rlim_max = current->rlim_nproc_max;
	return copy_to_user(rlim, &value, sizeof(value)) ? -EFAULT : 0;
}

/* sys_setrlimit: the soft limit may not exceed the hard one; raising the hard limit is root's
 * (2.6.12: capable(CAP_SYS_RESOURCE)). Forked children inherit both. */
asmlinkage long sys_setrlimit(unsigned int resource, struct rlimit __user *rlim);
asmlinkage long sys_setrlimit(unsigned int resource, struct rlimit __user *rlim)
{
	struct rlimit value;

	if (resource != RLIMIT_NPROC)
		return -EINVAL;
	if (copy_from_user(&value, rlim, sizeof(value)))
		return -EFAULT;
	if (value.rlim_cur > value.rlim_max)
		return -EINVAL;
	if (value.rlim_max > current->rlim_nproc_max && current->uid != 0)
		return -EPERM;
	current->rlim_nproc = value.rlim_cur;
	current->rlim_nproc_max = value.rlim_max;
	return 0;
}
