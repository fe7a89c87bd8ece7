/* arch/i386/kernel/traps.c: the IDT and the CPU exception handlers. An exception in user mode ends the
 * process (do_trap: one console line, then do_exit with the signal 2.6.12 would send, which its
 * parent's wait sees as WTERMSIG); no exception is expected in the kernel but the copy-on-write page
 * fault of copy_to_user (arch/i386/mm/fault.c): for any other the handler reports what happened
 * (die()) and ends the run with FS_EXIT_OOPS. */
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/desc.h>
#include <asm/hw_irq.h>
#include <asm/ptrace.h>
#include <asm/system.h>
#include <abi.h>

struct desc_struct idt_table[256] __aligned(8);

static struct Xgt_desc_struct idt_descr;

/* An IDT gate (Intel SDM vol. 3, 6.11): offset 31..16 | P | DPL | type, selector | offset 15..0. */
static void set_gate(unsigned int n, unsigned int type, unsigned int dpl, void *addr)
{
	unsigned long a = (unsigned long)addr;

	idt_table[n].a = (__KERNEL_CS << 16) | (a & 0xffff);
	idt_table[n].b = (a & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8);
}

/* Interrupt gate: IF cleared on entry (hardware interrupts, page faults). */
void set_intr_gate(unsigned int n, void *addr) { set_gate(n, GATE_INTERRUPT, 0, addr); }
/* Trap gate: IF unchanged, only the kernel may `int` to it. */
void set_trap_gate(unsigned int n, void *addr) { set_gate(n, GATE_TRAP, 0, addr); }
/* Trap gate user mode may `int` to (int3, into, bound, and int $0x80). */
void set_system_gate(unsigned int n, void *addr) { set_gate(n, GATE_TRAP, 3, addr); }

/* A 32-bit available TSS descriptor (type 9) in GDT entry `entry`. */
void set_tss_desc(unsigned int entry, void *addr, unsigned int limit)
{
	unsigned long base = (unsigned long)addr;

	cpu_gdt_table[entry].a = ((base & 0xffff) << 16) | (limit & 0xffff);
	cpu_gdt_table[entry].b = (base & 0xff000000) | ((base >> 16) & 0xff) | (limit & 0xf0000) |
				 0x8900;
}

/* The names Linux gives the exception entry points (entry.S). */
void divide_error(void); void debug(void); void nmi(void); void int3(void); void overflow(void);
void bounds(void); void invalid_op(void); void device_not_available(void); void double_fault(void);
void coprocessor_segment_overrun(void); void invalid_TSS(void); void segment_not_present(void);
void stack_segment(void); void general_protection(void); void page_fault(void);
void spurious_interrupt_bug(void); void coprocessor_error(void); void alignment_check(void);
void machine_check(void); void simd_coprocessor_error(void); void reserved_exception(void);
void system_call(void);

static const char *const trap_names[20] = {
	"divide error", "debug", "nmi", "int3", "overflow", "bounds", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack segment", "general protection", "page fault",
	"spurious interrupt bug", "coprocessor error", "alignment check", "machine check",
	"simd coprocessor error",
};

/* die(): print the oops and stop the machine. Does not return. */
static void __noreturn die(int trapnr, struct pt_regs *regs, long err)
{
	struct task_struct *tsk = current;
	unsigned long cr2 = 0;

	local_irq_disable();
	if (trapnr == 14)
		__asm__ __volatile__("movl %%cr2, %0" : "=r"(cr2));
	printk(KERN_EMERG "Oops: %s (vector %d) error %04lx in pid %d (%s)\n",
	       trapnr < 20 ? trap_names[trapnr] : "reserved", trapnr, (unsigned long)err, tsk->pid,
	       tsk->comm);
	printk(KERN_EMERG "EIP: %04x:%08lx EFLAGS: %08lx CR2: %08lx\n", regs->xcs & 0xffff, regs->eip,
	       regs->eflags, cr2);
	printk(KERN_EMERG "eax: %08lx ebx: %08lx ecx: %08lx edx: %08lx\n", regs->eax, regs->ebx, regs->ecx,
	       regs->edx);
	printk(KERN_EMERG "esi: %08lx edi: %08lx ebp: %08lx esp: %08lx\n", regs->esi, regs->edi, regs->ebp,
	       (unsigned long)&regs->esp);
	machine_exit(FS_EXIT_OOPS);
}

/* The exceptions 2.6.12 turns into signals (asm/signal.h's numbers): the process simply ends as if
 * killed by it - a handler cannot catch these here. */

/*
 * do_trap: an exception in user mode kills the process (2.6.12 sends the signal with force_sig, and a
 * handler may catch it; here faults are not delivered as signals - whatever handler the process has,
 * the default action is the end: do_exit(signr)). One line on the
 * console: pid, vector, EIP, CR2. In the kernel it is an oops (die()).
 */
void do_trap(int trapnr, int signr, struct pt_regs *regs, long error_code);
void do_trap(int trapnr, int signr, struct pt_regs *regs, long error_code)
{
	struct task_struct *tsk = current;
	unsigned long cr2 = 0;

	if (!user_mode(regs) || !signr)
		die(trapnr, regs, error_code);
	if (trapnr == 14)
		__asm__ __volatile__("movl %%cr2, %0" : "=r"(cr2));
	tsk->thread.trap_no = trapnr;
	tsk->thread.error_code = error_code;
	tsk->thread.cr2 = cr2;
	printk(KERN_ERR "trap: pid %d (%s) %s (vector %d) error %04lx at EIP %08lx CR2 %08lx: killed by "
	       "signal %d\n", tsk->pid, tsk->comm, trapnr < 20 ? trap_names[trapnr] : "reserved", trapnr,
	       (unsigned long)error_code, regs->eip, cr2, signr);
	local_irq_enable();
	do_exit(signr);
}

#define DO_ERROR(trapnr, signr, name) \
	fastcall void do_##name(struct pt_regs *regs, long error_code); \
	fastcall void do_##name(struct pt_regs *regs, long error_code) \
	{ do_trap(trapnr, signr, regs, error_code); }

DO_ERROR(0, SIGFPE, divide_error)
DO_ERROR(1, SIGTRAP, debug)
DO_ERROR(2, 0, nmi)
DO_ERROR(3, SIGTRAP, int3)
DO_ERROR(4, SIGSEGV, overflow)
DO_ERROR(5, SIGSEGV, bounds)
DO_ERROR(6, SIGILL, invalid_op)
DO_ERROR(7, SIGSEGV, device_not_available)
DO_ERROR(8, 0, double_fault)
DO_ERROR(9, SIGFPE, coprocessor_segment_overrun)
DO_ERROR(10, SIGSEGV, invalid_TSS)
DO_ERROR(11, SIGBUS, segment_not_present)
DO_ERROR(12, SIGBUS, stack_segment)
DO_ERROR(13, SIGSEGV, general_protection)
/* 14, page fault: do_page_fault (arch/i386/mm/fault.c) resolves copy-on-write, else do_trap(). */
DO_ERROR(15, SIGSEGV, spurious_interrupt_bug)
DO_ERROR(16, SIGFPE, coprocessor_error)
DO_ERROR(17, SIGBUS, alignment_check)
DO_ERROR(18, 0, machine_check)
DO_ERROR(19, SIGFPE, simd_coprocessor_error)
DO_ERROR(20, SIGSEGV, reserved_exception)

/* System call tracing is not modelled: clear the bits so syscall_exit does not come back here. */
fastcall void do_syscall_trace(struct pt_regs *regs, int entryexit);
fastcall void do_syscall_trace(struct pt_regs *regs, int entryexit)
{
	(void)regs;
	(void)entryexit;
	current_thread_info()->flags &= ~((1UL << TIF_SYSCALL_TRACE) | (1UL << TIF_SYSCALL_AUDIT) |
					  (1UL << TIF_SINGLESTEP));
}

/* trap_init: exceptions 0-19 (gate kinds as 2.6.12 chose them), 20-31 reserved, int $0x80 for user
 * mode, then load the IDT. IRQ vectors are set by init_IRQ(). */
void trap_init(void)
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		set_intr_gate(i, reserved_exception);
	set_trap_gate(0, divide_error);
	set_intr_gate(1, debug);
	set_intr_gate(2, nmi);
	set_system_gate(3, int3);
	set_system_gate(4, overflow);
	set_system_gate(5, bounds);
	set_trap_gate(6, invalid_op);
	set_trap_gate(7, device_not_available);
	set_trap_gate(8, double_fault);		/* 2.6.12: a task gate to a separate TSS */
	set_trap_gate(9, coprocessor_segment_overrun);
	set_trap_gate(10, invalid_TSS);
	set_trap_gate(11, segment_not_present);
	set_trap_gate(12, stack_segment);
	set_trap_gate(13, general_protection);
	set_intr_gate(14, page_fault);
	set_trap_gate(15, spurious_interrupt_bug);
	set_trap_gate(16, coprocessor_error);
	set_trap_gate(17, alignment_check);
	set_trap_gate(18, machine_check);
	set_trap_gate(19, simd_coprocessor_error);
	set_system_gate(SYSCALL_VECTOR, system_call);

	idt_descr.size = sizeof(idt_table) - 1;
	idt_descr.address = (unsigned long)idt_table;
	__asm__ __volatile__("lidt %0" : : "m"(idt_descr));
}
