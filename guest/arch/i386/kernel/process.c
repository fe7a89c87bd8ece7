/*
 * arch/i386/kernel/process.c: the architecture side of creating and switching tasks - kernel_thread()
 * and its helper, copy_thread(), __switch_to() - and the idle loop.
 */
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/system.h>
#include <abi.h>

/*
 * kernel_thread_helper: where a kernel thread's first iret lands (the fake frame's eip). ebx = fn,
 * edx = arg from that frame: push arg, call fn(arg), push its result, do_exit(result) - never returns.
 * (eax = arg too, for a regparm fn; the guest's thread functions are cdecl.)
 */
__asm__(".section .text\n"
	".p2align 4\n"
	".globl kernel_thread_helper\n"
	".type kernel_thread_helper, @function\n"
	"kernel_thread_helper:\n\t"
	"movl %edx, %eax\n\t"
	"pushl %edx\n\t"
	"call *%ebx\n\t"
	"pushl %eax\n\t"
	"call do_exit\n"
	".size kernel_thread_helper, . - kernel_thread_helper\n"
	".previous");

/*
 * kernel_thread: create a kernel thread running fn(arg). Builds the pt_regs an interrupted kernel
 * would have had at kernel_thread_helper - ebx = fn, edx = arg, ds = es = __USER_DS, orig_eax = -1,
 * eip = kernel_thread_helper, cs = __KERNEL_CS, eflags = 0x286 (IF set) - and forks with CLONE_VM:
 * the child starts at ret_from_fork and irets (3 words, no privilege change) into the helper.
 * Returns the child's pid or -errno.
 */
int kernel_thread(int (*fn)(void *), void *arg, unsigned long flags)
{
	struct pt_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.ebx = (unsigned long)fn;
	regs.edx = (unsigned long)arg;
	regs.xds = __USER_DS;
	regs.xes = __USER_DS;
	regs.orig_eax = -1;
	regs.eip = (unsigned long)kernel_thread_helper;
	regs.xcs = __KERNEL_CS;
	regs.eflags = KERNEL_THREAD_EFLAGS;
	return do_fork(flags | CLONE_VM | CLONE_UNTRACED, 0, &regs, 0, NULL, NULL);
}

/* forkscope: kernel_thread() whose child carries `comm` from birth, so the fork line already names it
 * (2.6.12 renames kernel threads later, in daemonize()). */
int kernel_thread_named(const char *comm, int (*fn)(void *), void *arg, unsigned long flags)
{
	int pid;

	current->child_comm = comm;
	pid = kernel_thread(fn, arg, flags);
	current->child_comm = NULL;
	return pid;
}

/*
 * copy_thread: give the child its kernel stack frame and the state switch_to will resume.
 * childregs sits at the top of the child's stack less 8 bytes (restore_all in 2.6.12 peeks at OLDSS
 * even for a 3-word kernel frame; the 8 bytes keep that read inside the stack). The child returns 0
 * from fork (eax = 0) and first runs at ret_from_fork on esp = childregs.
 */
int copy_thread(int nr, unsigned long clone_flags, unsigned long esp, unsigned long unused,
		struct task_struct *p, struct pt_regs *regs)
{
	struct pt_regs *childregs;

	(void)nr;
	(void)clone_flags;
	(void)unused;
	childregs = ((struct pt_regs *)(THREAD_SIZE + (unsigned long)p->thread_info)) - 1;
	childregs = (struct pt_regs *)((unsigned long)childregs - COPY_THREAD_RESERVE);
	*childregs = *regs;
	childregs->eax = 0;
	childregs->esp = esp;

	p->thread.esp = (unsigned long)childregs;
	p->thread.esp0 = (unsigned long)(childregs + 1);
	p->thread.eip = (unsigned long)ret_from_fork;
	savesegment(fs, p->thread.fs);
	savesegment(gs, p->thread.gs);
	p->thread.io_bitmap_ptr = NULL;
	return 0;
}

/*
 * __switch_to: the C half of switch_to, entered by jmp with eax = prev, edx = next (regparm 3), on
 * next's stack. The TSS's esp0 must point at next's kernel stack before next can be interrupted from
 * user mode; fs/gs are saved and reloaded if anyone uses them. Returns prev (eax) to next's caller.
 */
fastcall struct task_struct *__switch_to(struct task_struct *prev_p, struct task_struct *next_p)
{
	struct thread_struct *prev = &prev_p->thread, *next = &next_p->thread;

	load_esp0(&init_tss, next);
	savesegment(fs, prev->fs);
	savesegment(gs, prev->gs);
	if (unlikely(prev->fs | prev->gs | next->fs | next->gs)) {
		loadsegment(fs, next->fs);
		loadsegment(gs, next->gs);
	}
	return prev_p;
}

/* release_thread: nothing architecture-specific outlives a task here (no LDT, no I/O bitmap). */
void release_thread(struct task_struct *dead_task)
{
	(void)dead_task;
}

/*
 * default_idle: halt until the next interrupt. The need_resched test and the hlt are made atomic by
 * `sti; hlt` (the interrupt is only taken after the hlt), so a wake-up from an interrupt handler
 * cannot slip in between and leave us halted with work to do.
 */
void default_idle(void)
{
	local_irq_disable();
	if (!need_resched())
		safe_halt();
	else
		local_irq_enable();
}

/*
 * cpu_idle: swapper's endless loop once rest_init() is done: idle while nothing needs the CPU, then
 * schedule(). forkscope addition: swapper reaps its exited children here (init, pid 1, is one) -
 * without sleeping, as the idle task must never sleep; reaping init shuts the machine down.
 */
void cpu_idle(void)
{
	for (;;) {
		while (!need_resched())
			default_idle();
		schedule();
		reap_idle_children();
	}
}
