/* kernel/abi_check.c: abi.h is what the host believes about guest memory; these assertions make the
 * guest fail to compile the moment a structure and abi.h disagree. (The runqueue's are in sched.c,
 * where struct runqueue is defined.) No code. */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/signal.h>
#include <asm/ptrace.h>
#include <asm/thread_info.h>
#include <asm/processor.h>
#include <abi.h>

#define ABI(type, field, off) _Static_assert(offsetof(type, field) == (off), #type "." #field)

ABI(struct pt_regs, ebx, PT_EBX);
ABI(struct pt_regs, ecx, PT_ECX);
ABI(struct pt_regs, edx, PT_EDX);
ABI(struct pt_regs, esi, PT_ESI);
ABI(struct pt_regs, edi, PT_EDI);
ABI(struct pt_regs, ebp, PT_EBP);
ABI(struct pt_regs, eax, PT_EAX);
ABI(struct pt_regs, xds, PT_DS);
ABI(struct pt_regs, xes, PT_ES);
ABI(struct pt_regs, orig_eax, PT_ORIG_EAX);
ABI(struct pt_regs, eip, PT_EIP);
ABI(struct pt_regs, xcs, PT_CS);
ABI(struct pt_regs, eflags, PT_EFLAGS);
ABI(struct pt_regs, esp, PT_OLDESP);
ABI(struct pt_regs, xss, PT_OLDSS);
_Static_assert(sizeof(struct pt_regs) == PT_REGS_SIZE, "pt_regs size");

ABI(struct thread_info, task, TI_TASK);
ABI(struct thread_info, exec_domain, TI_EXEC_DOMAIN);
ABI(struct thread_info, flags, TI_FLAGS);
ABI(struct thread_info, status, TI_STATUS);
ABI(struct thread_info, cpu, TI_CPU);
ABI(struct thread_info, preempt_count, TI_PREEMPT_COUNT);
ABI(struct thread_info, addr_limit, TI_ADDR_LIMIT);
_Static_assert(sizeof(struct thread_info) == TI_SIZE, "thread_info size");
_Static_assert(sizeof(union thread_union) == THREAD_SIZE, "thread_union size");

ABI(struct task_struct, state, TASK_STATE);
ABI(struct task_struct, thread_info, TASK_THREAD_INFO);
ABI(struct task_struct, usage, TASK_USAGE);
ABI(struct task_struct, flags, TASK_FLAGS);
ABI(struct task_struct, prio, TASK_PRIO);
ABI(struct task_struct, static_prio, TASK_STATIC_PRIO);
ABI(struct task_struct, run_list, TASK_RUN_LIST);
ABI(struct task_struct, array, TASK_ARRAY);
ABI(struct task_struct, sleep_avg, TASK_SLEEP_AVG);
ABI(struct task_struct, timestamp, TASK_TIMESTAMP);
ABI(struct task_struct, activated, TASK_ACTIVATED);
ABI(struct task_struct, time_slice, TASK_TIME_SLICE);
ABI(struct task_struct, first_time_slice, TASK_FIRST_TIME_SLICE);
ABI(struct task_struct, tasks, TASK_TASKS);
ABI(struct task_struct, mm, TASK_MM);
ABI(struct task_struct, active_mm, TASK_ACTIVE_MM);
ABI(struct task_struct, exit_state, TASK_EXIT_STATE);
ABI(struct task_struct, exit_code, TASK_EXIT_CODE);
ABI(struct task_struct, exit_signal, TASK_EXIT_SIGNAL);
ABI(struct task_struct, pid, TASK_PID);
ABI(struct task_struct, tgid, TASK_TGID);
ABI(struct task_struct, real_parent, TASK_REAL_PARENT);
ABI(struct task_struct, parent, TASK_PARENT);
ABI(struct task_struct, children, TASK_CHILDREN);
ABI(struct task_struct, sibling, TASK_SIBLING);
ABI(struct task_struct, nvcsw, TASK_NVCSW);
ABI(struct task_struct, nivcsw, TASK_NIVCSW);
ABI(struct task_struct, utime, TASK_UTIME);
ABI(struct task_struct, stime, TASK_STIME);
ABI(struct task_struct, comm, TASK_COMM);
ABI(struct task_struct, thread, TASK_THREAD);
ABI(struct task_struct, thread.esp0, TASK_THREAD_ESP0);
ABI(struct task_struct, thread.eip, TASK_THREAD_EIP);
ABI(struct task_struct, thread.esp, TASK_THREAD_ESP);
ABI(struct task_struct, sighand, TASK_SIGHAND);
ABI(struct task_struct, blocked, TASK_BLOCKED);
_Static_assert(sizeof(struct task_struct) == TASK_STRUCT_SIZE, "task_struct size");
ABI(struct sighand_struct, count, SIGHAND_COUNT);
ABI(struct sighand_struct, action, SIGHAND_ACTION);
_Static_assert(sizeof(struct k_sigaction) == K_SIGACTION_SIZE, "k_sigaction size");
ABI(struct k_sigaction, sa.sa_handler, KSA_HANDLER);
ABI(struct k_sigaction, sa.sa_flags, KSA_FLAGS);
ABI(struct k_sigaction, sa.sa_restorer, KSA_RESTORER);
ABI(struct k_sigaction, sa.sa_mask, KSA_MASK);
_Static_assert(SA_RESTORER == SA_RESTORER_FLAG, "SA_RESTORER");
_Static_assert(SA_NODEFER == SA_NODEFER_FLAG, "SA_NODEFER");
_Static_assert(sizeof(((struct task_struct *)0)->comm) == TASK_COMM_LEN, "comm size");

ABI(struct mm_struct, mmap, MM_MMAP);
ABI(struct mm_struct, pgd, MM_PGD);
ABI(struct mm_struct, mm_users, MM_USERS);
ABI(struct mm_struct, mm_count, MM_COUNT);
ABI(struct vm_area_struct, vm_start, VMA_START);
ABI(struct vm_area_struct, vm_end, VMA_END);
ABI(struct vm_area_struct, vm_next, VMA_NEXT);
ABI(struct vm_area_struct, vm_flags, VMA_FLAGS);
ABI(struct page, _count, PAGE_STRUCT_COUNT);
_Static_assert(sizeof(struct page) == PAGE_STRUCT_SIZE, "struct page size");
ABI(struct cow_stats, shared, COW_SHARED);
ABI(struct cow_stats, faults, COW_FAULTS);
ABI(struct cow_stats, kernel_faults, COW_KERNEL_FAULTS);
ABI(struct cow_stats, copied, COW_COPIED);
ABI(struct cow_stats, reused, COW_REUSED);
_Static_assert(TASK_SIZE % (1UL << PGDIR_SHIFT) == 0, "TASK_SIZE on a pgd boundary");
_Static_assert(STACK_TOP <= TASK_SIZE, "the stack is user space");

ABI(struct tss_struct, esp0, TSS_ESP0);
ABI(struct tss_struct, ss0, TSS_SS0);
_Static_assert(sizeof(struct tss_struct) == TSS_LIMIT + 1, "tss size");

ABI(struct kmem_cache, name, KMEM_NAME);
ABI(struct kmem_cache, objsize, KMEM_OBJSIZE);
ABI(struct kmem_cache, active_objs, KMEM_ACTIVE_OBJS);
ABI(struct kmem_cache, num_slabs, KMEM_NUM_SLABS);

_Static_assert(__KERNEL_CS == 12 * 8 && __KERNEL_DS == 13 * 8, "kernel selectors");
_Static_assert(__USER_CS == (14 * 8 | 3) && __USER_DS == (15 * 8 | 3), "user selectors");
_Static_assert(__TSS_SEL == GDT_ENTRY_TSS * 8, "TSS selector");
