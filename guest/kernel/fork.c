/*
 * kernel/fork.c: creating a task (Linux 2.6.12's do_fork -> copy_process -> dup_task_struct, written
 * fresh). A new task is a copy of current: its task_struct from task_struct_cache, its 8 KiB
 * thread_info + kernel stack from thread_info_cache, then copy_thread() builds the stack frame it will
 * start from and sched_fork() gives it half of the parent's time slice.
 *
 * copy_mm() gives a forked process its own copy of the parent's address space, its pages shared
 * copy-on-write as in 2.6.12 (mm/memory.c copy_page_range, do_wp_page); CLONE_VM shares the address
 * space itself, and a kernel thread has none.
 * copy_sighand() shares the parent's signal handlers with CLONE_SIGHAND and copies them otherwise; the
 * blocked mask is inherited, the pending set starts empty.
 * Not modelled (no files or namespaces yet): copy_files, copy_fs, copy_signal, copy_namespace - their
 * clone_flags checks are kept.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/signal.h>
#include <asm/mmu_context.h>
#include <asm/system.h>
#include <abi.h>

int nr_threads;			/* tasks other than swapper: live and zombie */
int max_threads;		/* fork_init(): what memory allows */
unsigned long total_forks;	/* successful forks since boot */
/* The fork/exit/reap console lines: on, except while a scenario turns them off (init=forkloop's
 * 10 000 cycles would print 30 000 lines). */
int lifecycle_log = 1;

struct kmem_cache task_struct_cache;	/* task_struct_cachep in 2.6.12 */
struct kmem_cache thread_info_cache;	/* 2.6.12 uses kmalloc(THREAD_SIZE) */
struct kmem_cache mm_cache;

pgd_t *pgd_alloc(struct mm_struct *mm);	/* arch/i386/mm/pgtable.c */
void pgd_free(pgd_t *pgd);

static struct task_struct *alloc_task_struct(void)
{
	return kmem_cache_alloc(&task_struct_cache, GFP_KERNEL);
}

static void free_task_struct(struct task_struct *tsk)
{
	kmem_cache_free(&task_struct_cache, tsk);
}

static struct thread_info *alloc_thread_info(void)
{
	return kmem_cache_alloc(&thread_info_cache, GFP_KERNEL);
}

static void free_thread_info(struct thread_info *ti)
{
	kmem_cache_free(&thread_info_cache, ti);
}

/* free_task: give back the stack and the task_struct. */
void free_task(struct task_struct *tsk)
{
	free_thread_info(tsk->thread_info);
	free_task_struct(tsk);
}

/* __put_task_struct: the last reference is gone (the task's own, dropped after its final switch, and
 * its parent's, dropped in release_task). Only a dead task that is not running may go. */
void __put_task_struct(struct task_struct *tsk)
{
	BUG_ON(!(tsk->exit_state & (EXIT_DEAD | EXIT_ZOMBIE)));
	BUG_ON(atomic_read(&tsk->usage));
	BUG_ON(tsk == current);
	free_uid(tsk->user);
	free_task(tsk);
}

/*
 * fork_init: size the caches and the thread limit. max_threads lets thread stacks take at most an
 * eighth of memory (mempages / (8 * THREAD_SIZE / PAGE_SIZE), at least 20); an ordinary user may have
 * half of that (RLIMIT_NPROC), root is exempt.
 */
void fork_init(unsigned long mempages)
{
	kmem_cache_create(&task_struct_cache, "task_struct", sizeof(struct task_struct), 32);
	kmem_cache_create(&thread_info_cache, "thread_info", THREAD_SIZE, THREAD_SIZE);
	kmem_cache_create(&mm_cache, "mm_struct", sizeof(struct mm_struct), 32);
	kmem_cache_create(&vm_area_cache, "vm_area_struct", sizeof(struct vm_area_struct), 32);
	signals_init();
	max_threads = mempages / (8 * THREAD_SIZE / PAGE_SIZE);
	if (max_threads < 20)
		max_threads = 20;
	init_task.rlim_nproc = max_threads / 2;
	init_task.rlim_nproc_max = max_threads / 2;
	uid_cache_init();
}

/* mm_alloc: an empty address space - its own page directory with the kernel's part and no user
 * mappings - with one user. NULL without memory. */
struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kmem_cache_alloc(&mm_cache, GFP_KERNEL);

	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	atomic_set(&mm->mm_users, 1);
	atomic_set(&mm->mm_count, 1);
	mm->pgd = pgd_alloc(mm);
	if (!mm->pgd) {
		kmem_cache_free(&mm_cache, mm);
		return NULL;
	}
	return mm;
}

/* __mmdrop: the last reference to the structure is gone: free the page directory and the mm. Its
 * user part was emptied by exit_mmap() when the last user left, and it is not loaded anywhere. */
void __mmdrop(struct mm_struct *mm)
{
	BUG_ON(mm == &init_mm);
	BUG_ON(read_cr3() == __pa(mm->pgd));
	pgd_free(mm->pgd);
	kmem_cache_free(&mm_cache, mm);
}

/* mmput: a task stops using mm as its own (exit, exec, a failed fork). The last user frees the pages
 * and page tables now; the directory and structure go with the last reference (mmdrop). */
void mmput(struct mm_struct *mm)
{
	if (atomic_dec_and_test(&mm->mm_users)) {
		exit_mmap(mm);
		mmdrop(mm);
	}
}

/* dup_mm: a copy of oldmm for a forked child, its pages shared copy-on-write. NULL without
 * memory. */
static struct mm_struct *dup_mm(struct mm_struct *oldmm)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return NULL;
	if (dup_mmap(mm, oldmm)) {
		mmput(mm);
		return NULL;
	}
	return mm;
}

/*
 * copy_mm: the child's address space. A kernel thread's parent has none, so neither has the child (it
 * will borrow one when it runs, context_switch); CLONE_VM shares the parent's; otherwise a copy.
 * 0 or -ENOMEM.
 */
static int copy_mm(unsigned long clone_flags, struct task_struct *tsk)
{
	struct mm_struct *mm, *oldmm = current->mm;

	tsk->mm = NULL;
	tsk->active_mm = NULL;
	if (!oldmm)
		return 0;
	if (clone_flags & CLONE_VM) {
		atomic_inc(&oldmm->mm_users);
		mm = oldmm;
	} else {
		mm = dup_mm(oldmm);
		if (!mm)
			return -ENOMEM;
	}
	tsk->mm = mm;
	tsk->active_mm = mm;
	return 0;
}

/* dup_task_struct: copies of orig's task_struct and thread_info (not the rest of its stack), linked to
 * each other. Two references: the task's own and the one release_task() drops. */
static struct task_struct *dup_task_struct(struct task_struct *orig)
{
	struct task_struct *tsk;
	struct thread_info *ti;

	tsk = alloc_task_struct();
	if (!tsk)
		return NULL;
	ti = alloc_thread_info();
	if (!ti) {
		free_task_struct(tsk);
		return NULL;
	}
	*ti = *orig->thread_info;
	*tsk = *orig;
	tsk->thread_info = ti;
	ti->task = tsk;
	atomic_set(&tsk->usage, 2);
	return tsk;
}

/* copy_flags: a new task has not exec'd and has used no superuser privilege yet. */
static void copy_flags(unsigned long clone_flags, struct task_struct *p)
{
	p->flags &= ~PF_SUPERPRIV;
	p->flags |= PF_FORKNOEXEC;
	if (!(clone_flags & CLONE_PTRACE))
		p->ptrace = 0;
}

/* The clone_flags combinations 2.6.12 refuses with -EINVAL. */
static int bad_clone_flags(unsigned long clone_flags)
{
	if ((clone_flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return 1;
	/* Thread groups must share signals, and shared signal handlers imply a shared VM. */
	if ((clone_flags & CLONE_THREAD) && !(clone_flags & CLONE_SIGHAND))
		return 1;
	if ((clone_flags & CLONE_SIGHAND) && !(clone_flags & CLONE_VM))
		return 1;
	return 0;
}

/* Family links: on the task list, and on the parent's children list. */
static void link_new_task(struct task_struct *p, unsigned long clone_flags)
{
	if (clone_flags & (CLONE_PARENT | CLONE_THREAD))
		p->real_parent = current->real_parent;
	else
		p->real_parent = current;
	p->parent = p->real_parent;
	list_add_tail(&p->tasks, &init_task.tasks);
	list_add_tail(&p->sibling, &p->parent->children);
}

/* The per-task state that must not be inherited. */
static void reset_child_state(struct task_struct *p, unsigned long clone_flags, int pid)
{
	p->did_exec = 0;
	copy_flags(clone_flags, p);
	p->pid = pid;
	INIT_LIST_HEAD(&p->children);
	INIT_LIST_HEAD(&p->sibling);
	INIT_LIST_HEAD(&p->tasks);
	init_waitqueue_head(&p->wait_chldexit);
	clear_ti_thread_flag(p->thread_info, TIF_SIGPENDING);
	p->pending = 0;		/* 2.6.12: init_sigpending; blocked stays the parent's */
	p->sighand = NULL;
	p->utime = p->stime = 0;
	p->nvcsw = p->nivcsw = 0;
	p->lock_depth = -1;
	p->tgid = (clone_flags & CLONE_THREAD) ? current->tgid : p->pid;
	p->exit_signal = (clone_flags & CLONE_THREAD) ? -1 : (int)(clone_flags & CSIGNAL);
	p->pdeath_signal = 0;
	p->exit_state = 0;
	p->exit_code = 0;
	p->group_leader = p;
	p->child_comm = NULL;
	if (current->child_comm)
		strlcpy(p->comm, current->child_comm, sizeof(p->comm));
}

/*
 * copy_process: create the new task, fully linked but not yet runnable (wake_up_new_task() does that).
 * The order is 2.6.12's: flag checks, dup_task_struct, the RLIMIT_NPROC and max_threads limits
 * (-EAGAIN), copy_sighand, copy_mm, copy_thread, sched_fork, family links, nr_threads++. Returns the task or
 * ERR_PTR(-errno).
 */
static struct task_struct *copy_process(unsigned long clone_flags, unsigned long stack_start,
					struct pt_regs *regs, unsigned long stack_size, int pid)
{
	struct task_struct *p;
	long retval;

	if (bad_clone_flags(clone_flags))
		return ERR_PTR(-EINVAL);
	p = dup_task_struct(current);
	if (!p)
		return ERR_PTR(-ENOMEM);
	retval = -EAGAIN;
	if ((unsigned long)atomic_read(&p->user->processes) >= p->rlim_nproc) {
		/* capable(CAP_SYS_ADMIN) || capable(CAP_SYS_RESOURCE) || root: all uid 0 here */
		if (p->uid != 0 && p->user != &root_user)
			goto bad_fork_free;
	}
	atomic_inc(&p->user->__count);
	atomic_inc(&p->user->processes);
	/* Counts tasks still in copy_process too late to be exact; it only has to stop fork bombs. */
	if (nr_threads >= max_threads)
		goto bad_fork_cleanup_count;
	reset_child_state(p, clone_flags, pid);
	retval = copy_sighand(clone_flags, p);
	if (retval)
		goto bad_fork_cleanup_sighand;
	retval = copy_mm(clone_flags, p);
	if (retval)
		goto bad_fork_cleanup_sighand;
	retval = copy_thread(0, clone_flags, stack_start, stack_size, p, regs);
	if (retval)
		goto bad_fork_cleanup_mm;
	sched_fork(p);
	local_irq_disable();
	link_new_task(p, clone_flags);
	nr_threads++;
	total_forks++;
	local_irq_enable();
	return p;

bad_fork_cleanup_mm:
	if (p->mm)
		mmput(p->mm);
bad_fork_cleanup_sighand:
	exit_sighand(p);
bad_fork_cleanup_count:
	atomic_dec(&p->user->processes);
	free_uid(p->user);
bad_fork_free:
	free_task(p);
	return ERR_PTR(retval);
}

/*
 * do_fork: the body of fork(), clone(), vfork() and kernel_thread(). Allocates the pid, creates the
 * task and queues it (or leaves it TASK_STOPPED for CLONE_STOPPED). Returns the child's pid to the
 * parent, or -errno (-EAGAIN at max_threads, -ENOMEM without memory, -EINVAL for bad flags).
 */
long do_fork(unsigned long clone_flags, unsigned long stack_start, struct pt_regs *regs,
	     unsigned long stack_size, int __user *parent_tidptr, int __user *child_tidptr)
{
	struct task_struct *p;
	long pid = alloc_pidmap();

	(void)child_tidptr;
	if (pid < 0)
		return -EAGAIN;
	p = copy_process(clone_flags, stack_start, regs, stack_size, pid);
	if (IS_ERR(p)) {
		free_pidmap(pid);
		return PTR_ERR(p);
	}
	if ((clone_flags & CLONE_PARENT_SETTID) && parent_tidptr)
		*parent_tidptr = p->pid;
	if (!(clone_flags & CLONE_STOPPED))
		wake_up_new_task(p, clone_flags);
	else
		p->state = TASK_STOPPED;
	if (lifecycle_log)
		printk(KERN_INFO "fork: pid %d (%s) parent %d prio %d slice %u\n", p->pid, p->comm, p->parent->pid,
		       p->prio, p->time_slice);
	return pid;
}

void set_task_comm(struct task_struct *tsk, const char *name)
{
	strlcpy(tsk->comm, name, sizeof(tsk->comm));
}
