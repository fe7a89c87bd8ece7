/* asm-i386/processor.h: thread_struct (the per-task CPU state switch_to saves) and the TSS. */
#ifndef _ASM_PROCESSOR_H
#define _ASM_PROCESSOR_H

#include <linux/types.h>
#include <asm/page.h>
#include <abi.h>

/*
 * What a task keeps of its CPU state while switched out (2.6.12 field order, minus tls_array, the
 * debug registers, the FPU area and vm86 - no task here uses them). Offsets: abi.h TASK_THREAD_*.
 */
struct thread_struct {
	unsigned long esp0;		/* THREAD_ESP0: top of the kernel stack, copied to tss->esp0 */
	unsigned long sysenter_cs;
	unsigned long eip;		/* THREAD_EIP: where switch_to resumes it (1: or ret_from_fork) */
	unsigned long esp;		/* THREAD_ESP: its kernel esp while switched out */
	unsigned long fs;
	unsigned long gs;
	unsigned long cr2, trap_no, error_code;	/* the last fault, for die() */
	unsigned long *io_bitmap_ptr;		/* always NULL: no ioperm() */
};

/* The hardware TSS (Intel SDM vol. 3, 7.2.1). Only ss0:esp0 matter: the stack a ring 3 -> ring 0
 * transition switches to. The I/O bitmap offset points past the limit: no bitmap. */
struct tss_struct {
	unsigned short back_link, __blh;
	unsigned long esp0;		/* TSS_ESP0 */
	unsigned short ss0, __ss0h;
	unsigned long esp1;
	unsigned short ss1, __ss1h;
	unsigned long esp2;
	unsigned short ss2, __ss2h;
	unsigned long __cr3, eip, eflags;
	unsigned long eax, ecx, edx, ebx, esp, ebp, esi, edi;
	unsigned short es, __esh, cs, __csh, ss, __ssh, ds, __dsh, fs, __fsh, gs, __gsh, ldt, __ldth;
	unsigned short trace, io_bitmap_base;
} __attribute__((packed));

extern struct tss_struct init_tss;

/* load_esp0(): the one TSS field that changes on a context switch. */
static inline void load_esp0(struct tss_struct *tss, struct thread_struct *thread)
{
	tss->esp0 = thread->esp0;
}

/* Control registers (Intel SDM vol. 3A, 2.5). CR0.PG turns paging on; CR3 holds the physical address of
 * the page directory, and loading it flushes the TLB. */
#define X86_CR0_PG	0x80000000
/* CR0.WP (bit 16, i486 and later): when set, supervisor-mode writes honour a read-only page too
 * (Intel SDM vol. 3A, 2.5 and 4.6). paging_init() sets it so that the kernel's own writes to user
 * memory (copy_to_user, put_user) fault on a page fork shared copy-on-write. */
#define X86_CR0_WP	0x00010000

static inline unsigned long read_cr0(void)
{
	unsigned long v;
	__asm__ __volatile__("movl %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(unsigned long v)
{
	__asm__ __volatile__("movl %0, %%cr0" : : "r"(v) : "memory");
}
static inline unsigned long read_cr3(void)
{
	unsigned long v;
	__asm__ __volatile__("movl %%cr3, %0" : "=r"(v));
	return v;
}
#define load_cr3(pgdir)	__asm__ __volatile__("movl %0, %%cr3" : : "r"(__pa(pgdir)) : "memory")

/* rep_nop: the PAUSE hint for spin loops. */
static inline void cpu_relax(void)
{
	__asm__ __volatile__("rep; nop" : : : "memory");
}

#endif
