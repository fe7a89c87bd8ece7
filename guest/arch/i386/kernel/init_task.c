/* arch/i386/kernel/init_task.c: pid 0 (swapper), its 8 KiB thread_union (the boot stack) and the TSS.
 * Nothing here is allocated: fork copies these into every later task. */
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/signal.h>
#include <asm/processor.h>
#include <abi.h>

/* THREAD_SIZE-aligned so current_thread_info() = esp & ~8191 works from the first instruction. */
union thread_union init_thread_union __section(".data.init_task") __aligned(THREAD_SIZE) = {
	.thread_info = {
		.task = &init_task,
		.exec_domain = NULL,
		.flags = 0,
		.cpu = 0,
		.preempt_count = 0,
		.addr_limit = 0xffffffffUL,	/* KERNEL_DS */
	},
};

/* init_mm: the address space of swapper and, lazily, of every kernel thread before a user process has
 * run: the kernel's identity map and nothing else. Never freed (mm_count starts at 1 and borrowers
 * always give theirs back). */
struct mm_struct init_mm = {
	.mmap = NULL,
	.pgd = swapper_pg_dir,
	.mm_users = ATOMIC_INIT(2),
	.mm_count = ATOMIC_INIT(1),
};

struct user_struct root_user = {
	.__count = ATOMIC_INIT(1),
	.processes = ATOMIC_INIT(0),
	.uid = 0,
	.uidhash_list = LIST_HEAD_INIT(root_user.uidhash_list),
};

/* INIT_TASK(init_task) of 2.6.12: prio and static_prio 120 (nice 0), a time slice of HZ ticks, policy
 * SCHED_NORMAL. sched_init()'s init_idle() then makes it the idle task (prio MAX_PRIO). */
struct task_struct init_task = {
	.state = TASK_RUNNING,
	.thread_info = &init_thread_union.thread_info,
	.usage = ATOMIC_INIT(2),
	.flags = 0,
	.lock_depth = -1,
	.prio = 120,
	.static_prio = 120,
	.run_list = LIST_HEAD_INIT(init_task.run_list),
	.array = NULL,
	.time_slice = 1000,		/* HZ */
	.policy = SCHED_NORMAL,
	.tasks = LIST_HEAD_INIT(init_task.tasks),
	.mm = NULL,
	.active_mm = &init_mm,
	.pid = 0,
	.tgid = 0,
	.real_parent = &init_task,
	.parent = &init_task,
	.children = LIST_HEAD_INIT(init_task.children),
	.sibling = LIST_HEAD_INIT(init_task.sibling),
	.group_leader = &init_task,
	.wait_chldexit = { LIST_HEAD_INIT(init_task.wait_chldexit.task_list) },
	.uid = 0,
	.user = &root_user,
	.rlim_nproc = 0,		/* fork_init() sets it to max_threads / 2 */
	.comm = "swapper",
	.sighand = &init_sighand,
	.blocked = 0,
	.thread = {
		.esp0 = (unsigned long)&init_thread_union + THREAD_SIZE,
		.sysenter_cs = __KERNEL_CS,
		.io_bitmap_ptr = NULL,
	},
};

/* The one TSS (per_cpu(init_tss) in 2.6.12). esp0 follows the running task (__switch_to); ss0 is the
 * kernel data segment. The I/O map base lies past the limit: no bitmap, ring 3 gets #GP on I/O. */
struct tss_struct init_tss __aligned(128) = {
	.esp0 = (unsigned long)&init_thread_union + THREAD_SIZE,
	.ss0 = __KERNEL_DS,
	.io_bitmap_base = TSS_LIMIT + 1,
};
