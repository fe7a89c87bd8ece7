/* asm-i386/thread_info.h: the structure at the bottom of every 8 KiB kernel stack. current_thread_info()
 * is esp & ~(THREAD_SIZE - 1); the offsets entry.S uses (TI_FLAGS, TI_PREEMPT_COUNT) are in abi.h. */
#ifndef _ASM_THREAD_INFO_H
#define _ASM_THREAD_INFO_H

#include <abi.h>

#define _TIF_SYSCALL_TRACE	(1 << TIF_SYSCALL_TRACE)
#define _TIF_NOTIFY_RESUME	(1 << TIF_NOTIFY_RESUME)
#define _TIF_SIGPENDING		(1 << TIF_SIGPENDING)
#define _TIF_NEED_RESCHED	(1 << TIF_NEED_RESCHED)
#define _TIF_SINGLESTEP		(1 << TIF_SINGLESTEP)
#define _TIF_IRET		(1 << TIF_IRET)
#define _TIF_SYSCALL_AUDIT	(1 << TIF_SYSCALL_AUDIT)
#define _TIF_SECCOMP		(1 << TIF_SECCOMP)
#define _TIF_POLLING_NRFLAG	(1 << TIF_POLLING_NRFLAG)

/* Work to do on the way out of a system call (ALLWORK) or of any kernel entry to user mode (WORK). */
#define _TIF_WORK_MASK \
	(0x0000FFFF & ~(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | _TIF_SINGLESTEP | _TIF_SECCOMP))
#define _TIF_ALLWORK_MASK	(0x0000FFFF & ~_TIF_SECCOMP)

#ifdef __ASSEMBLER__

/* GET_THREAD_INFO(reg): reg = esp & ~(THREAD_SIZE - 1). */
#define GET_THREAD_INFO(reg) \
	movl $-THREAD_SIZE, reg; \
	andl %esp, reg

#else

#include <linux/types.h>

struct task_struct;
struct exec_domain;

struct restart_block {
	long (*fn)(struct restart_block *);
	unsigned long arg0, arg1, arg2, arg3;
};

struct thread_info {
	struct task_struct *task;		/* TI_TASK 0x00 */
	struct exec_domain *exec_domain;	/* always NULL here */
	unsigned long flags;			/* TI_FLAGS 0x08: TIF_* */
	unsigned long status;
	u32 cpu;				/* always 0: one CPU */
	int preempt_count;			/* TI_PREEMPT_COUNT 0x14: irq/softirq nesting */
	unsigned long addr_limit;		/* mm_segment_t */
	struct restart_block restart_block;
	unsigned long previous_esp;
	unsigned char supervisor_stack[0];
};

static inline struct thread_info *current_thread_info(void)
{
	unsigned long esp;
	__asm__("movl %%esp, %0" : "=r"(esp));
	return (struct thread_info *)(esp & ~(THREAD_SIZE - 1UL));
}

static inline void set_ti_thread_flag(struct thread_info *ti, int flag) { ti->flags |= 1UL << flag; }
static inline void clear_ti_thread_flag(struct thread_info *ti, int flag) { ti->flags &= ~(1UL << flag); }
static inline int test_ti_thread_flag(struct thread_info *ti, int flag) { return (ti->flags >> flag) & 1; }
#define set_thread_flag(f)	set_ti_thread_flag(current_thread_info(), f)
#define clear_thread_flag(f)	clear_ti_thread_flag(current_thread_info(), f)
#define test_thread_flag(f)	test_ti_thread_flag(current_thread_info(), f)

union thread_union {
	struct thread_info thread_info;
	unsigned long stack[THREAD_SIZE / sizeof(long)];
};

#endif

#endif
