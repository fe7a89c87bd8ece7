/*
 * arch/i386/mm/fault.c: the page-fault handler (2.6.12's do_page_fault, reduced to what this kernel
 * can meet). With every page of a region mapped from its creation (linux/mm.h), the one fault to
 * resolve is a write to a page fork shared copy-on-write: from user mode (error code 7: present,
 * write, user) or from the kernel writing user memory through copy_to_user/put_user (error code 3:
 * CR0.WP makes supervisor writes honour the read-only pte, arch/i386/mm/init.c). Everything else
 * keeps the behaviour of before: a user process is killed with SIGSEGV and one console line, a
 * kernel fault is an oops (do_trap -> die).
 */
#include <linux/sched.h>
#include <linux/mm.h>
#include <asm/ptrace.h>
#include <asm/signal.h>
#include <asm/system.h>
#include <asm/pgtable.h>
#include <abi.h>

/* Page-fault error code bits (Intel SDM vol. 3A, 4.7). */
#define PF_PROT		0x1	/* 1: protection violation on a present page, 0: not present */
#define PF_WRITE	0x2	/* 1: the access was a write */
#define PF_USER		0x4	/* 1: it came from CPL 3 */

void do_trap(int trapnr, int signr, struct pt_regs *regs, long error_code);	/* traps.c */

static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ __volatile__("movl %%cr2, %0" : "=r"(v));
	return v;
}

/*
 * do_page_fault: vector 14 (an interrupt gate, so CR2 cannot be overwritten by a nested fault
 * before it is read here). Interrupts are enabled again if the faulting code had them, as in 2.6.12:
 * a copy takes a while and nothing here sleeps. The access is checked against the region first -
 * a write needs VM_WRITE, a read of a present page is never legal to retry - and only then does
 * handle_mm_fault() look at the pte.
 */
fastcall void do_page_fault(struct pt_regs *regs, long error_code);
fastcall void do_page_fault(struct pt_regs *regs, long error_code)
{
	unsigned long address = read_cr2();
	struct task_struct *tsk = current;
	struct mm_struct *mm = tsk->mm;
	struct vm_area_struct *vma;
	int write = (error_code & PF_WRITE) != 0;

	if (regs->eflags & X86_EFLAGS_IF)
		local_irq_enable();
	/* Kernel addresses have no region (2.6.12's vmalloc_fault has no counterpart here), and a
	 * kernel thread has no user memory to fault on. */
	if (address < kernel_map_end || address >= TASK_SIZE || !mm)
		goto bad_area;
	vma = find_vma(mm, address);
	if (!vma || vma->vm_start > address)
		goto bad_area;
	if (write) {
		if (!(vma->vm_flags & VM_WRITE))
			goto bad_area;
	} else if ((error_code & PF_PROT) || !(vma->vm_flags & (VM_READ | VM_EXEC))) {
		goto bad_area;
	}
	switch (handle_mm_fault(mm, vma, address, write)) {
	case VM_FAULT_MINOR:
		if (!(error_code & PF_USER))
			cow_stats.kernel_faults++;
		return;
	case VM_FAULT_OOM:
		if (!user_mode(regs))
			goto bad_area;	/* no exception tables to turn it into -EFAULT: an oops */
		printk(KERN_ERR "VM: killing process %s (pid %d): out of memory at %08lx\n", tsk->comm, tsk->pid,
		       address);
		do_exit(SIGKILL);
	default:
		break;
	}
bad_area:
	/* 2.6.12 sends SIGSEGV (bad_area) or SIGBUS (do_sigbus); no signals are delivered here, so a
	 * user process ends, and a kernel fault is an oops. */
	do_trap(14, SIGSEGV, regs, error_code);
}
