/* asm-i386/sigcontext.h: the user registers a signal frame saves (2.6.12's layout, field for field).
 * sigreturn puts them back (arch/i386/kernel/signal.c restore_sigcontext). */
#ifndef _ASM_SIGCONTEXT_H
#define _ASM_SIGCONTEXT_H

struct _fpstate;

struct sigcontext {
	unsigned short gs, __gsh;
	unsigned short fs, __fsh;
	unsigned short es, __esh;
	unsigned short ds, __dsh;
	unsigned long edi;
	unsigned long esi;
	unsigned long ebp;
	unsigned long esp;
	unsigned long ebx;
	unsigned long edx;
	unsigned long ecx;
	unsigned long eax;
	unsigned long trapno;
	unsigned long err;
	unsigned long eip;
	unsigned short cs, __csh;
	unsigned long eflags;
	unsigned long esp_at_signal;
	unsigned short ss, __ssh;
	struct _fpstate *fpstate;	/* always NULL: no FPU state is saved */
	unsigned long oldmask;		/* the blocked mask to restore */
	unsigned long cr2;
};

#endif
