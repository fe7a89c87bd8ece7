/*
 * abi.h: everything the host (forkscope's inspectors, tests) and the guest kernel agree on about the
 * guest's memory: structure offsets, sizes, selectors, flag bits and the debug-exit statuses.
 *
 * Rules: plain #defines of integer constants only - no guest types, no includes - so C, assembly
 * (entry.S, switch_to) and C++ can all include it. The guest checks every offset against its real
 * structures with _Static_assert(offsetof(...)) in kernel/abi_check.c and kernel/sched.c: if a field
 * moves, the guest stops compiling until this file follows.
 *
 * Symbols the host can look up in kernel.elf's .symtab: init_task (pid 0), init_tss, runqueues,
 * jiffies_64, nr_free_pages, totalram_pages, nr_threads, max_threads, task_struct_cache,
 * thread_info_cache, mm_cache, vm_area_cache, init_mm, swapper_pg_dir, ret_from_fork,
 * kernel_thread_helper, system_call, syscall_exit, restore_all, __switch_to.
 */
#ifndef FORKSCOPE_ABI_H
#define FORKSCOPE_ABI_H

/* ---- memory ---- */
#define THREAD_SIZE		8192	/* thread_info + kernel stack, THREAD_SIZE-aligned */
#define KERNEL_LOAD_ADDR	0x00100000	/* linked and loaded at 1 MiB; PAGE_OFFSET is 0 */

/* ---- GDT selectors (Linux 2.6.12 layout: entries 12..17) ---- */
#define __KERNEL_CS		0x60	/* GDT entry 12 */
#define __KERNEL_DS		0x68	/* GDT entry 13 */
#define __USER_CS		0x73	/* GDT entry 14, RPL 3 */
#define __USER_DS		0x7B	/* GDT entry 15, RPL 3 */
#define GDT_ENTRY_TSS		16
#define __TSS_SEL		0x80	/* GDT entry 16 */

/* ---- vectors ---- */
#define FIRST_EXTERNAL_VECTOR	0x20	/* IRQ n is vector 0x20 + n (PIC remapped to 0x20/0x28) */
#define SYSCALL_VECTOR		0x80	/* int $0x80, a DPL-3 trap gate */

/* ---- EFLAGS ---- */
#define X86_EFLAGS_IF		0x00000200
#define X86_EFLAGS_VM		0x00020000
#define KERNEL_THREAD_EFLAGS	0x286	/* kernel_thread()'s fake frame: IF | SF | PF | bit 1 */

/* ---- struct pt_regs (asm/ptrace.h), the SAVE_ALL frame ---- */
#define PT_EBX			0x00
#define PT_ECX			0x04
#define PT_EDX			0x08
#define PT_ESI			0x0C
#define PT_EDI			0x10
#define PT_EBP			0x14
#define PT_EAX			0x18
#define PT_DS			0x1C
#define PT_ES			0x20
#define PT_ORIG_EAX		0x24
#define PT_EIP			0x28
#define PT_CS			0x2C
#define PT_EFLAGS		0x30
#define PT_OLDESP		0x34
#define PT_OLDSS		0x38
#define PT_REGS_SIZE		0x3C
/* copy_thread(): childregs = stack top - PT_REGS_SIZE - COPY_THREAD_RESERVE; thread.esp0 = childregs + 1 */
#define COPY_THREAD_RESERVE	8

/* ---- struct thread_info (asm/thread_info.h), at esp & ~(THREAD_SIZE - 1) ---- */
#define TI_TASK			0x00
#define TI_EXEC_DOMAIN		0x04
#define TI_FLAGS		0x08
#define TI_STATUS		0x0C
#define TI_CPU			0x10
#define TI_PREEMPT_COUNT	0x14
#define TI_ADDR_LIMIT		0x18
#define TI_SIZE			0x34

/* thread_info->flags bits */
#define TIF_SYSCALL_TRACE	0
#define TIF_NOTIFY_RESUME	1
#define TIF_SIGPENDING		2
#define TIF_NEED_RESCHED	3
#define TIF_SINGLESTEP		4
#define TIF_IRET		5
#define TIF_SYSCALL_AUDIT	7
#define TIF_SECCOMP		8
#define TIF_POLLING_NRFLAG	16

/* ---- struct task_struct (linux/sched.h) ---- */
#define TASK_STATE		0x00
#define TASK_THREAD_INFO	0x04
#define TASK_USAGE		0x08
#define TASK_FLAGS		0x0C
#define TASK_PRIO		0x18
#define TASK_STATIC_PRIO	0x1C
#define TASK_RUN_LIST		0x20
#define TASK_ARRAY		0x28
#define TASK_SLEEP_AVG		0x2C	/* unsigned long, ns */
#define TASK_TIMESTAMP		0x30	/* unsigned long long, ns */
#define TASK_ACTIVATED		0x48
#define TASK_TIME_SLICE		0x50	/* unsigned int, ticks */
#define TASK_FIRST_TIME_SLICE	0x54
#define TASK_TASKS		0x58	/* list_head through every task */
#define TASK_MM			0x60
#define TASK_ACTIVE_MM		0x64
#define TASK_EXIT_STATE		0x68
#define TASK_EXIT_CODE		0x6C
#define TASK_EXIT_SIGNAL	0x70
#define TASK_PID		0x78
#define TASK_TGID		0x7C
#define TASK_REAL_PARENT	0x80
#define TASK_PARENT		0x84
#define TASK_CHILDREN		0x88
#define TASK_SIBLING		0x90
#define TASK_NVCSW		0xA4
#define TASK_NIVCSW		0xA8
#define TASK_UTIME		0xAC
#define TASK_STIME		0xB0
#define TASK_COMM		0xC4
#define TASK_COMM_LEN		16
#define TASK_THREAD		0xD8
#define TASK_THREAD_ESP0	0xD8
#define TASK_THREAD_EIP		0xE0
#define TASK_THREAD_ESP		0xE4
#define TASK_SIGHAND		0x108	/* struct sighand_struct * (linux/signal.h) */
#define TASK_BLOCKED		0x10C	/* unsigned long: blocked signals, bit sig - 1 */
#define TASK_STRUCT_SIZE	0x110

/* ---- signal handlers (linux/signal.h: struct sighand_struct, struct k_sigaction) ---- */
#define SIGHAND_COUNT		0x00
#define SIGHAND_ACTION		0x04	/* action[sig - 1], K_SIGACTION_SIZE bytes each */
#define K_SIGACTION_SIZE	0x10
#define KSA_HANDLER		0x00
#define KSA_FLAGS		0x04
#define KSA_RESTORER		0x08
#define KSA_MASK		0x0C
#define SA_RESTORER_FLAG	0x04000000
#define SA_NODEFER_FLAG		0x40000000

/* task->state and task->exit_state values */
#define TASK_RUNNING		0
#define TASK_INTERRUPTIBLE	1
#define TASK_UNINTERRUPTIBLE	2
#define TASK_STOPPED		4
#define TASK_TRACED		8
#define EXIT_ZOMBIE		16
#define EXIT_DEAD		32

/* ---- address spaces (linux/sched.h struct mm_struct, linux/mm.h struct vm_area_struct) ---- */
#define MM_MMAP			0x00	/* the first region (lowest address) */
#define MM_PGD			0x04	/* the page directory; CR3 = MM_PGD's value (PAGE_OFFSET 0) */
#define MM_USERS		0x08
#define MM_COUNT		0x0C
#define VMA_START		0x04
#define VMA_END			0x08
#define VMA_NEXT		0x0C
#define VMA_FLAGS		0x14

/* ---- page frames (linux/mm.h struct page mem_map[], struct cow_stats cow_stats) ---- */
#define PAGE_STRUCT_SIZE	0x20	/* mem_map + pfn * PAGE_STRUCT_SIZE is the frame's struct page */
#define PAGE_STRUCT_COUNT	0x04	/* references: one per pte mapping a user page */
#define COW_SHARED		0x00
#define COW_FAULTS		0x04
#define COW_KERNEL_FAULTS	0x08
#define COW_COPIED		0x0C
#define COW_REUSED		0x10

/* ---- user space ---- */
#define TASK_SIZE		0xC0000000	/* user space ends here (Linux's PAGE_OFFSET) */
#define STACK_TOP		TASK_SIZE	/* the user stack ends just below it */
#define USER_STACK_PAGES	4		/* exec maps this much stack, whole */
#define ELF_USER_BASE		0x08048000	/* where the user programs are linked (guest/user/user.ld) */

/* ---- the run queue (kernel/sched.c: struct runqueue runqueues, struct prio_array) ---- */
#define MAX_PRIO_ABI		140
#define PRIO_ARRAY_NR_ACTIVE	0x00
#define PRIO_ARRAY_BITMAP	0x04	/* 5 longs, bit 140 always set */
#define PRIO_ARRAY_QUEUE	0x18	/* 140 list_heads of 8 bytes */
#define PRIO_ARRAY_SIZE		0x478
#define RQ_NR_RUNNING		0x00
#define RQ_NR_SWITCHES		0x04	/* unsigned long long */
#define RQ_EXPIRED_TIMESTAMP	0x0C
#define RQ_CURR			0x1C
#define RQ_IDLE			0x20
#define RQ_ACTIVE		0x28
#define RQ_EXPIRED		0x2C
#define RQ_ARRAYS		0x30
#define RQ_BEST_EXPIRED_PRIO	0x920

/* ---- the TSS (asm/processor.h: struct tss_struct init_tss) ---- */
#define TSS_ESP0		0x04
#define TSS_SS0			0x08
#define TSS_LIMIT		0x67	/* 104-byte hardware TSS, no I/O bitmap */

/* ---- object caches (linux/slab.h: struct kmem_cache task_struct_cache, thread_info_cache) ---- */
#define KMEM_NAME		0x00
#define KMEM_OBJSIZE		0x04
#define KMEM_ACTIVE_OBJS	0x14
#define KMEM_NUM_SLABS		0x18

/* ---- the debug-exit port and the statuses the guest writes to it ---- */
#define DEBUG_EXIT_PORT		0xF4	/* outl(status); QEMU's isa-debug-exit exits with (status << 1) | 1 */
#define FS_EXIT_OK		0	/* the scenario ran and every check passed */
#define FS_EXIT_BUG		16	/* a BUG_ON()/BUG() fired: "kernel BUG at file:line" on the console */
#define FS_EXIT_PANIC		17	/* panic(): an unrecoverable state, message on the console */
#define FS_EXIT_OOPS		18	/* an unexpected CPU exception in the kernel (die()) */
#define FS_EXIT_SCENARIO	19	/* the scenario ran but one of its checks failed */
#define FS_EXIT_BAD_CMDLINE	20	/* unknown init=<scenario> on the command line */
#define FS_EXIT_BAD_BOOT	21	/* not started by a multiboot loader, or no memory information */
/* forkscope exits with (v << 1) | 1 for these, never one of its own statuses (docs/exit-status.md). */

#endif
