/*
 * arch/i386/kernel/entry.S: every way into and out of the kernel - system calls, hardware interrupts,
 * exceptions - and ret_from_fork, where a new task first runs (Linux 2.6.12's entry.S, written fresh).
 *
 * Stack layout while in the kernel, the struct pt_regs of asm/ptrace.h (offsets: abi.h PT_*; whoever
 * changes one changes the other, kernel/abi_check.c asserts they match):
 *
 *	 0(%esp) - %ebx		\
 *	 4(%esp) - %ecx		 |
 *	 8(%esp) - %edx		 |
 *	 C(%esp) - %esi		 | SAVE_ALL
 *	10(%esp) - %edi		 |
 *	14(%esp) - %ebp		 |
 *	18(%esp) - %eax		 |  system calls return through here (movl %eax, EAX(%esp))
 *	1C(%esp) - %ds		 |
 *	20(%esp) - %es		/
 *	24(%esp) - orig_eax	   the entry stub: syscall number, irq - 256, or the error code slot
 *	28(%esp) - %eip		\
 *	2C(%esp) - %cs		 | pushed by the CPU
 *	30(%esp) - %eflags	 |
 *	34(%esp) - %oldesp	 | only on a ring 3 -> ring 0 transition
 *	38(%esp) - %oldss	/
 *
 * This kernel has no CONFIG_PREEMPT: an interrupt that hits kernel code returns straight to it
 * (resume_kernel is restore_all); a task in the kernel gives up the CPU only by calling schedule()
 * (cond_resched(), sleeping, exiting) or on its way back to user mode (work_pending).
 */
#include <linux/linkage.h>
#include <linux/errno.h>
#include <asm/thread_info.h>
#include <asm/unistd.h>
#include <abi.h>

EBX		= PT_EBX
ECX		= PT_ECX
EDX		= PT_EDX
ESI		= PT_ESI
EDI		= PT_EDI
EBP		= PT_EBP
EAX		= PT_EAX
DS		= PT_DS
ES		= PT_ES
ORIG_EAX	= PT_ORIG_EAX
EIP		= PT_EIP
CS		= PT_CS
EFLAGS		= PT_EFLAGS
OLDESP		= PT_OLDESP
OLDSS		= PT_OLDSS

VM_MASK		= X86_EFLAGS_VM

/* SAVE_ALL: complete the pt_regs below orig_eax and switch DS/ES to the flat __USER_DS (ring 0 may load
 * a DPL-3 data segment; Linux does this so a return to user mode needs no reload). */
.macro SAVE_ALL
	cld
	pushl %es
	pushl %ds
	pushl %eax
	pushl %ebp
	pushl %edi
	pushl %esi
	pushl %edx
	pushl %ecx
	pushl %ebx
	movl $(__USER_DS), %edx
	movl %edx, %ds
	movl %edx, %es
.endm

.macro RESTORE_INT_REGS
	popl %ebx
	popl %ecx
	popl %edx
	popl %esi
	popl %edi
	popl %ebp
	popl %eax
.endm

.macro RESTORE_REGS
	RESTORE_INT_REGS
	popl %ds
	popl %es
.endm

	.text

/*
 * ret_from_fork: where every new task starts. copy_thread() set thread.eip here and thread.esp to the
 * child's pt_regs, so __switch_to's `ret` arrives with esp = childregs and eax = prev.
 * schedule_tail(prev) finishes the switch (re-enables interrupts); then the child leaves exactly as a
 * system call would: syscall_exit, restore_all, iret into childregs (eax = 0).
 */
ENTRY(ret_from_fork)
	pushl %eax
	call schedule_tail
	GET_THREAD_INFO(%ebp)
	popl %eax
	jmp syscall_exit
END(ret_from_fork)

/*
 * Return to the interrupted code after an exception or interrupt: to user mode through the work
 * checks, to kernel mode directly.
 */
	.p2align 4
ret_from_exception:
ret_from_intr:
	GET_THREAD_INFO(%ebp)
	movl EFLAGS(%esp), %eax		# mix EFLAGS and CS
	movb CS(%esp), %al
	testl $(VM_MASK | 3), %eax
	jz resume_kernel
ENTRY(resume_userspace)
	cli				# make sure we don't miss an interrupt setting need_resched
	movl TI_FLAGS(%ebp), %ecx
	andl $_TIF_WORK_MASK, %ecx	# anything to do before returning?
	jne work_pending
	jmp restore_all
END(resume_userspace)

/* No CONFIG_PREEMPT: kernel code is never preempted on the way out of an interrupt. */
resume_kernel:
	jmp restore_all

/*
 * system_call: int $0x80 (a DPL-3 trap gate, so interrupts stay enabled). eax = number, ebx, ecx, edx,
 * esi, edi, ebp = arguments, which SAVE_ALL leaves on the stack where asmlinkage handlers read them.
 */
ENTRY(system_call)
	pushl %eax			# orig_eax = the system call number
	SAVE_ALL
	GET_THREAD_INFO(%ebp)
	cmpl $(NR_syscalls), %eax
	jae syscall_badsys
syscall_call:
	call *sys_call_table(, %eax, 4)
	movl %eax, EAX(%esp)		# the result goes back in the saved eax
syscall_exit:
	cli				# no interrupt may set need_resched between the test and the iret
	movl TI_FLAGS(%ebp), %ecx
	testw $_TIF_ALLWORK_MASK, %cx	# current->work
	jne syscall_exit_work
ENTRY(restore_all)
	/* 2.6.12 checks here for a return to a 16-bit LDT stack segment; there is no LDT here. */
	RESTORE_REGS
	addl $4, %esp			# skip orig_eax
	iret
END(restore_all)

/* Work before the return: reschedule while need_resched is set, then deal with signals. */
	.p2align 4
work_pending:
	testb $_TIF_NEED_RESCHED, %cl
	jz work_notifysig
work_resched:
	call schedule
	cli				# as above: sample the flags with interrupts off
	movl TI_FLAGS(%ebp), %ecx
	andl $_TIF_WORK_MASK, %ecx
	jz restore_all
	testb $_TIF_NEED_RESCHED, %cl
	jnz work_resched
work_notifysig:
	movl %esp, %eax			# pt_regs
	xorl %edx, %edx
	call do_notify_resume		# fastcall(regs, oldset)
	jmp restore_all

syscall_exit_work:
	testb $(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | _TIF_SINGLESTEP), %cl
	jz work_pending
	sti				# no tracing here: clear the bits and go round again
	movl %esp, %eax
	movl $1, %edx
	call do_syscall_trace
	jmp resume_userspace

syscall_badsys:
	movl $-ENOSYS, EAX(%esp)
	jmp resume_userspace
END(system_call)

/*
 * Hardware interrupts: stub n pushes n - 256 (negative, so no system call number can look like it) as
 * orig_eax and joins common_interrupt; do_IRQ() takes the irq from orig_eax & 0xff.
 */
	.p2align 4
common_interrupt:
	SAVE_ALL
	movl %esp, %eax			# fastcall do_IRQ(regs)
	call do_IRQ
	jmp ret_from_intr

	.section .rodata
	.p2align 2
	.globl interrupt
	.type interrupt, @object
interrupt:
	.text
	.globl irq_entries_start
irq_entries_start:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.p2align 3
irq_stub_\n:
	pushl $(\n - 256)
	jmp common_interrupt
	.section .rodata
	.long irq_stub_\n
	.text
.endr
	.section .rodata
	.size interrupt, 16 * 4
	.text

/*
 * Exceptions: the stub pushes an error code (0 when the CPU does not) and the C handler's address;
 * error_code turns that into a pt_regs with orig_eax = -1 and calls handler(regs, error_code).
 */
	.p2align 4
error_code:
	pushl %ds
	pushl %eax
	xorl %eax, %eax
	pushl %ebp
	pushl %edi
	pushl %esi
	pushl %edx
	decl %eax			# eax = -1
	pushl %ecx
	pushl %ebx
	cld
	movl %es, %ecx
	movl ES(%esp), %edi		# the handler's address (where es will go)
	movl ORIG_EAX(%esp), %edx	# the error code
	movl %eax, ORIG_EAX(%esp)	# orig_eax = -1: not a system call
	movl %ecx, ES(%esp)
	movl $(__USER_DS), %ecx
	movl %ecx, %ds
	movl %ecx, %es
	movl %esp, %eax			# fastcall handler(regs, error_code)
	call *%edi
	jmp ret_from_exception

.macro EXCEPTION name, handler, errcode
ENTRY(\name)
	.if \errcode == 0
	pushl $0
	.endif
	pushl $\handler
	jmp error_code
END(\name)
.endm

	EXCEPTION divide_error, do_divide_error, 0
	EXCEPTION debug, do_debug, 0
	EXCEPTION nmi, do_nmi, 0
	EXCEPTION int3, do_int3, 0
	EXCEPTION overflow, do_overflow, 0
	EXCEPTION bounds, do_bounds, 0
	EXCEPTION invalid_op, do_invalid_op, 0
	EXCEPTION device_not_available, do_device_not_available, 0
	EXCEPTION double_fault, do_double_fault, 1
	EXCEPTION coprocessor_segment_overrun, do_coprocessor_segment_overrun, 0
	EXCEPTION invalid_TSS, do_invalid_TSS, 1
	EXCEPTION segment_not_present, do_segment_not_present, 1
	EXCEPTION stack_segment, do_stack_segment, 1
	EXCEPTION general_protection, do_general_protection, 1
	EXCEPTION page_fault, do_page_fault, 1
	EXCEPTION spurious_interrupt_bug, do_spurious_interrupt_bug, 0
	EXCEPTION coprocessor_error, do_coprocessor_error, 0
	EXCEPTION alignment_check, do_alignment_check, 1
	EXCEPTION machine_check, do_machine_check, 0
	EXCEPTION simd_coprocessor_error, do_simd_coprocessor_error, 0
	EXCEPTION reserved_exception, do_reserved_exception, 0
