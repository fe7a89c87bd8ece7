/* linux/sched.h: the task_struct and the process/scheduler interfaces (kernel/fork.c, sched.c, exit.c).
 * Field order follows 2.6.12 with what this kernel does not model left out; offsets the host reads are
 * in abi.h (TASK_*) and checked by _Static_assert in kernel/abi_check.c. */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/jiffies.h>
#include <linux/errno.h>
#include <linux/bug.h>
#include <asm/processor.h>
#include <asm/current.h>
#include <asm/thread_info.h>
#include <asm/pgtable.h>
#include <abi.h>

/* Task states (TASK_* in abi.h). */
#define set_task_state(tsk, s)	((tsk)->state = (s))
#define set_current_state(s)	(current->state = (s))
#define __set_current_state(s)	(current->state = (s))

/* Scheduling policies. */
#define SCHED_NORMAL	0
#define SCHED_FIFO	1
#define SCHED_RR	2

/* task->flags */
#define PF_ALIGNWARN	0x00000001
#define PF_STARTING	0x00000002
#define PF_EXITING	0x00000004
#define PF_DEAD		0x00000008	/* do_exit() finished; schedule() turns it EXIT_DEAD */
#define PF_FORKNOEXEC	0x00000040
#define PF_SUPERPRIV	0x00000100
#define PF_KTHREAD_IDLE	0x00000000

/* clone() flags (2.6.12 values). */
#define CSIGNAL			0x000000ff	/* signal sent to the parent on exit */
#define CLONE_VM		0x00000100
#define CLONE_FS		0x00000200
#define CLONE_FILES		0x00000400
#define CLONE_SIGHAND		0x00000800
#define CLONE_PTRACE		0x00002000
#define CLONE_VFORK		0x00004000
#define CLONE_PARENT		0x00008000
#define CLONE_THREAD		0x00010000
#define CLONE_NEWNS		0x00020000
#define CLONE_SYSVSEM		0x00040000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000
#define CLONE_DETACHED		0x00400000
#define CLONE_UNTRACED		0x00800000
#define CLONE_CHILD_SETTID	0x01000000
#define CLONE_STOPPED		0x02000000

#include <asm/signal.h>	/* SIGCHLD, the usual exit signal */

/* wait options. */
#define WNOHANG		0x00000001
#define __WNOTHREAD	0x20000000
#define __WALL		0x40000000	/* wait for any child, whatever its exit_signal */
#define __WCLONE	0x80000000	/* wait only for children with exit_signal != SIGCHLD */

struct pt_regs;
struct prio_array;
struct sighand_struct;
struct vm_area_struct;

/*
 * An address space (2.6.12's mm_struct, reduced to what this kernel uses). Two counts, as in Linux:
 * mm_users counts the tasks whose mm it is (when it drops to 0 the user pages go, exit_mmap());
 * mm_count counts references to the structure itself - 1 for all the users together, plus one per
 * kernel thread running on it lazily as its active_mm, plus one while a task that just left it is
 * being switched away from - and when it drops to 0 the page directory and the structure go
 * (__mmdrop()). Offsets the host reads: abi.h MM_*.
 */
struct mm_struct {
	struct vm_area_struct *mmap;	/* MM_MMAP: its regions, by address */
	pgd_t *pgd;			/* MM_PGD: its page directory (CR3 holds __pa(pgd)) */
	atomic_t mm_users;		/* MM_USERS */
	atomic_t mm_count;		/* MM_COUNT */
	int map_count;			/* regions */
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long rss;		/* pages mapped */
	unsigned long total_vm;		/* pages in its regions */
};
extern struct mm_struct init_mm;	/* swapper's: the kernel's page tables only */

/* kernel/user.c's user_struct: how many processes a uid has (RLIMIT_NPROC). One per uid in use, found
 * through uidhash_list; __count counts the tasks pointing at it (and root_user's own reference). */
struct user_struct {
	atomic_t __count;
	atomic_t processes;
	uid_t uid;
	struct list_head uidhash_list;
};
extern struct user_struct root_user;
void uid_cache_init(void);
struct user_struct *alloc_uid(uid_t uid);
void free_uid(struct user_struct *up);
void switch_uid(struct user_struct *new_user);

struct task_struct {
	volatile long state;		/* TASK_STATE: TASK_RUNNING, TASK_INTERRUPTIBLE, ... */
	struct thread_info *thread_info;/* TASK_THREAD_INFO: bottom of its 8 KiB kernel stack */
	atomic_t usage;			/* references; freed (task + stack) when it drops to 0 */
	unsigned long flags;		/* TASK_FLAGS: PF_* */
	unsigned long ptrace;
	int lock_depth;

	int prio, static_prio;		/* TASK_PRIO, TASK_STATIC_PRIO: 0..139, lower runs first */
	struct list_head run_list;	/* TASK_RUN_LIST: in array->queue[prio] while queued */
	struct prio_array *array;	/* TASK_ARRAY: the active or expired array, NULL if not queued */

	unsigned long sleep_avg;	/* TASK_SLEEP_AVG: ns, 0..NS_MAX_SLEEP_AVG */
	unsigned long long timestamp;	/* TASK_TIMESTAMP: sched_clock() at the last queue/switch */
	unsigned long long last_ran;
	unsigned long long sched_time;
	int activated;			/* how it was woken: -1 uninterruptible, 1 task, 2 interrupt */

	unsigned long policy;
	unsigned int time_slice;	/* TASK_TIME_SLICE: ticks left */
	unsigned int first_time_slice;	/* still on the slice it was forked with */

	struct list_head tasks;		/* every task, from init_task.tasks */
	struct mm_struct *mm;		/* TASK_MM: its address space; NULL for a kernel thread */
	struct mm_struct *active_mm;	/* TASK_ACTIVE_MM: the one loaded while it runs (a kernel
					 * thread borrows the previous task's) */

	long exit_state;		/* TASK_EXIT_STATE: 0, EXIT_ZOMBIE, EXIT_DEAD */
	int exit_code, exit_signal;	/* TASK_EXIT_CODE */
	int pdeath_signal;
	pid_t pid;			/* TASK_PID */
	pid_t tgid;
	struct task_struct *real_parent;	/* TASK_REAL_PARENT */
	struct task_struct *parent;		/* TASK_PARENT: who gets the exit notification */
	struct list_head children;	/* its children, linked through their `sibling` */
	struct list_head sibling;
	struct task_struct *group_leader;
	wait_queue_head_t wait_chldexit;	/* do_wait() sleeps here (2.6.12: signal->wait_chldexit) */

	unsigned long nvcsw, nivcsw;	/* voluntary / involuntary context switches */
	unsigned long utime, stime;	/* ticks charged in user / kernel mode */
	uid_t uid;
	struct user_struct *user;
	unsigned long rlim_nproc;	/* 2.6.12: signal->rlim[RLIMIT_NPROC].rlim_cur */
	int did_exec;

	char comm[TASK_COMM_LEN];	/* TASK_COMM */
	const char *child_comm;		/* forkscope: the name copy_process gives the next child */

	struct thread_struct thread;	/* TASK_THREAD: esp0, eip, esp, ... */
	unsigned long rlim_nproc_max;	/* 2.6.12: signal->rlim[RLIMIT_NPROC].rlim_max (last: abi.h's
					 * offsets above stay put) */
	unsigned long pending;		/* kernel/signal.c: signals 1..31 sent, bit sig - 1 (2.6.12:
					 * pending.signal) */
	struct sighand_struct *sighand;	/* its handlers (linux/signal.h), NULL once it has exited */
	unsigned long blocked;		/* signals held pending, bit sig - 1; inherited by fork and exec */
};
typedef struct task_struct task_t;

extern struct task_struct init_task;		/* pid 0, swapper (arch/i386/kernel/init_task.c) */
extern union thread_union init_thread_union;
extern struct task_struct *child_reaper;	/* pid 1 once created */
extern int nr_threads;				/* tasks other than swapper */
extern int max_threads;
extern unsigned long total_forks;
extern int lifecycle_log;	/* fork.c: print the fork/exit/reap lines */

#define next_task(p)	list_entry((p)->tasks.next, struct task_struct, tasks)
#define for_each_process(p) \
	for (p = &init_task; (p = next_task(p)) != &init_task; )

static inline void set_tsk_need_resched(struct task_struct *t)
{
	set_ti_thread_flag(t->thread_info, TIF_NEED_RESCHED);
}
static inline void clear_tsk_need_resched(struct task_struct *t)
{
	clear_ti_thread_flag(t->thread_info, TIF_NEED_RESCHED);
}
static inline int need_resched(void)
{
	return unlikely(test_thread_flag(TIF_NEED_RESCHED));
}
static inline int signal_pending(struct task_struct *p)
{
	return unlikely(test_ti_thread_flag(p->thread_info, TIF_SIGPENDING));
}
static inline int rt_task(const struct task_struct *p)
{
	return p->prio < 100;
}
static inline void get_task_struct(struct task_struct *t) { atomic_inc(&t->usage); }
void __put_task_struct(struct task_struct *t);
static inline void put_task_struct(struct task_struct *t)
{
	if (atomic_dec_and_test(&t->usage))
		__put_task_struct(t);
}
void set_task_comm(struct task_struct *tsk, const char *name);

/* kernel/sched.c */
void sched_init(void);
void idle_task_exit(void);
asmlinkage void schedule(void);
asmlinkage void schedule_tail(struct task_struct *prev);
void scheduler_tick(void);
fastcall void sched_fork(struct task_struct *p);
fastcall void wake_up_new_task(struct task_struct *p, unsigned long clone_flags);
fastcall void sched_exit(struct task_struct *p);
int wake_up_process(struct task_struct *p);
int try_to_wake_up(struct task_struct *p, unsigned int state, int sync);
int cond_resched(void);
asmlinkage long sys_sched_yield(void);
void set_user_nice(struct task_struct *p, long nice);
int task_nice(const struct task_struct *p);
unsigned long long sched_clock(void);
unsigned long nr_running(void);
unsigned long long nr_context_switches(void);
extern int sched_debug;		/* print slice expiries and array swaps (init=sched turns it on) */
extern unsigned long sched_array_swaps;

/* kernel/fork.c */
void fork_init(unsigned long mempages);
struct mm_struct *mm_alloc(void);
void __mmdrop(struct mm_struct *mm);
static inline void mmdrop(struct mm_struct *mm)
{
	if (atomic_dec_and_test(&mm->mm_count))
		__mmdrop(mm);
}
void mmput(struct mm_struct *mm);
extern struct kmem_cache mm_cache;	/* mm_cachep in 2.6.12 */
long do_fork(unsigned long clone_flags, unsigned long stack_start, struct pt_regs *regs,
	     unsigned long stack_size, int __user *parent_tidptr, int __user *child_tidptr);
void free_task(struct task_struct *tsk);
extern struct kmem_cache task_struct_cache, thread_info_cache;
extern struct kmem_cache uid_cache;	/* kernel/user.c: the user_structs */

/* kernel/pid.c */
int alloc_pidmap(void);
void free_pidmap(int pid);
struct task_struct *find_task_by_pid(int pid);

/* kernel/exit.c */
fastcall void do_exit(long code) __noreturn;
long sys_wait4(pid_t pid, int *stat_addr, int options, void *ru);
void release_task(struct task_struct *p);
int reap_idle_children(void);

/* arch/i386/kernel/process.c */
int kernel_thread(int (*fn)(void *), void *arg, unsigned long flags);
int kernel_thread_named(const char *comm, int (*fn)(void *), void *arg, unsigned long flags);
int copy_thread(int nr, unsigned long clone_flags, unsigned long esp, unsigned long unused,
		struct task_struct *p, struct pt_regs *regs);
fastcall struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next);
void cpu_idle(void) __noreturn;
void default_idle(void);
void release_thread(struct task_struct *dead_task);
extern void ret_from_fork(void);
extern void kernel_thread_helper(void);

#endif
