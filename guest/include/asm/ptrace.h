/* asm-i386/ptrace.h: struct pt_regs, the frame SAVE_ALL builds (entry.S; offsets in abi.h PT_*). From the
 * top: what the CPU pushed (xss/esp only on a privilege change), orig_eax (syscall number, irq-256, -1
 * or an error code), then SAVE_ALL's pushes. */
#ifndef _ASM_PTRACE_H
#define _ASM_PTRACE_H

#include <abi.h>

#ifndef __ASSEMBLER__
struct pt_regs {
	long ebx;	/* PT_EBX 0x00 - SAVE_ALL pushes these, last first */
	long ecx;
	long edx;
	long esi;
	long edi;
	long ebp;
	long eax;	/* PT_EAX 0x18: the system call's result is written here */
	int xds;
	int xes;
	long orig_eax;	/* PT_ORIG_EAX 0x24: pushed by the entry stub */
	long eip;	/* PT_EIP 0x28 - pushed by the CPU from here up */
	int xcs;
	long eflags;
	long esp;	/* PT_OLDESP 0x34, PT_OLDSS 0x38: only on entry from ring 3 */
	int xss;
};

/* True when the frame returns to ring 3 (or vm86). */
static inline int user_mode(const struct pt_regs *regs)
{
	return (regs->xcs & 3) || (regs->eflags & X86_EFLAGS_VM);
}
#endif

#endif
