/* asm-i386/system.h: switch_to() and interrupt-flag helpers. */
#ifndef _ASM_SYSTEM_H
#define _ASM_SYSTEM_H

#include <linux/kernel.h>
#include <abi.h>

struct task_struct;

#define local_irq_disable()	__asm__ __volatile__("cli" : : : "memory")
#define local_irq_enable()	__asm__ __volatile__("sti" : : : "memory")
/* sti takes effect after the next instruction, so no interrupt slips in between it and hlt. */
#define safe_halt()		__asm__ __volatile__("sti; hlt" : : : "memory")
#define local_save_flags(x)	__asm__ __volatile__("pushfl; popl %0" : "=g"(x) : : "memory")
#define local_irq_save(x)	__asm__ __volatile__("pushfl; popl %0; cli" : "=g"(x) : : "memory")
#define local_irq_restore(x)	__asm__ __volatile__("pushl %0; popfl" : : "g"(x) : "memory", "cc")
#define irqs_disabled()		({ unsigned long __f; local_save_flags(__f); !(__f & X86_EFLAGS_IF); })

/*
 * switch_to(prev, next, last): the 2.6.12 sequence, instruction for instruction. prev's flags and ebp
 * go on prev's stack, its esp and the resume address 1: into prev->thread; next's esp is loaded and its
 * thread.eip pushed, so __switch_to's `ret` lands at next's 1: - or at ret_from_fork for a task that
 * has never run. eax = prev and edx = next are __switch_to's regparm(3) arguments; it returns prev in
 * eax, which becomes `last` in the task that resumes.
 *
 * Difference from 2.6.12: the fields are addressed through eax/edx with abi.h's offsets instead of "m"
 * operands, and every register a resumed task cannot trust (ebx, ecx, esi, edi) is declared clobbered.
 */
#define switch_to(prev, next, last) do {					\
	unsigned long __d;							\
	__asm__ __volatile__(							\
		"pushfl\n\t"							\
		"pushl %%ebp\n\t"						\
		"movl %%esp, " __stringify(TASK_THREAD_ESP) "(%%eax)\n\t"	\
		"movl " __stringify(TASK_THREAD_ESP) "(%%edx), %%esp\n\t"	\
		"movl $1f, " __stringify(TASK_THREAD_EIP) "(%%eax)\n\t"		\
		"pushl " __stringify(TASK_THREAD_EIP) "(%%edx)\n\t"		\
		"jmp __switch_to\n"						\
		"1:\t"								\
		"popl %%ebp\n\t"						\
		"popfl"								\
		: "=a"(last), "=d"(__d)						\
		: "0"(prev), "1"(next)						\
		: "ebx", "ecx", "esi", "edi", "memory", "cc");			\
} while (0)

/* Segment register <-> variable (through a register: a 32-bit store of a selector is not encodable). */
#define savesegment(seg, value) \
	do { unsigned long __v; __asm__ __volatile__("movl %%" #seg ", %0" : "=r"(__v)); (value) = __v; } while (0)
#define loadsegment(seg, value) \
	__asm__ __volatile__("movl %0, %%" #seg : : "r"((unsigned long)(value)) : "memory")

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)

#endif
