/*
 * init/main.c: start_kernel() brings the machine up as swapper (pid 0); rest_init() creates init
 * (pid 1) with kernel_thread() and turns swapper into the idle task. init() runs the scenario the
 * command line names ("init=<name>", default process1); when init exits, swapper reaps it and
 * kernel_shutdown() checks that memory came back and leaves through the debug-exit port.
 *
 * The 2.6.12 path this reproduces: start_kernel -> rest_init -> kernel_thread(init, NULL,
 * CLONE_FS | CLONE_SIGHAND) -> do_fork -> ... -> cpu_idle -> schedule -> ret_from_fork -> init().
 */
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/signal.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/multiboot.h>
#include <linux/timer.h>
#include <linux/tty.h>
#include <asm/hw_irq.h>
#include <asm/system.h>
#include <asm/unistd.h>
#include <abi.h>
#include "scenarios.h"

/* Defined in arch/i386/kernel and drivers. */
void serial_init(void);
void setup_arch(unsigned long magic, const struct multiboot_info *mbi);
void cpu_init(void);
void trap_init(void);
void time_init(void);

asmlinkage void start_kernel(unsigned long magic, const struct multiboot_info *mbi);
void kernel_shutdown(int init_status) __noreturn;

struct task_struct *child_reaper;	/* init, once it runs: orphans go to it */

static const struct scenario scenarios[] = {
	{ "process1", scenario_process1, "swapper creates init, init prints its pid and exits" },
	{ "sched", scenario_sched, "nice -20/0/+19 CPU hogs and a 10 ms sleeper for one second" },
	{ "forkstorm", scenario_forkstorm, "kernel threads up to max_threads, then -EAGAIN, all reaped" },
	{ "bugon", scenario_bugon, "a BUG_ON fires on purpose: exit status FS_EXIT_BUG" },
	{ "forktest", scenario_forktest, "init execs a user program that forks a tree 3 levels deep" },
	{ "isolation", scenario_isolation, "parent and child write the same global and local after fork" },
	{ "faults", scenario_faults, "user children fault (#DE, #PF, #GP) or call an unknown syscall" },
	{ "forkbomb", scenario_forkbomb, "a user process forks until -EAGAIN (RLIMIT_NPROC 8), reaps, forks" },
	{ "schedmix", scenario_schedmix, "user CPU hogs at nice 0/5/10 and a 10 ms sleeper for one second" },
	{ "forkloop", scenario_forkloop, "10000 fork+exit+wait cycles from user mode, no page or object leaked" },
	{ "lines", scenario_lines, "a user program reads console lines (--serial-input FILE) until end of file" },
	{ "signals", scenario_signals, "kill() and default actions: sleepers ended with -EINTR, SIGCHLD ignored, EPERM" },
	{ "sighandler", scenario_sighandler, "signal handlers: sigaction, sigprocmask, the signal frame, sigreturn, EINTR" },
};
static const struct scenario *chosen;

/* Memory accounting at boot, before pid 1 exists; kernel_shutdown() wants it back exactly. */
struct mm_counts boot_counts;

void read_mm_counts(struct mm_counts *c)
{
	c->free_pages = nr_free_pages;
	c->task_objs = task_struct_cache.active_objs;
	c->stack_objs = thread_info_cache.active_objs;
	c->slabs = task_struct_cache.num_slabs + thread_info_cache.num_slabs + mm_cache.num_slabs +
		   vm_area_cache.num_slabs + uid_cache.num_slabs + sighand_cache.num_slabs;
}

int same_mm_counts(const struct mm_counts *a, const struct mm_counts *b)
{
	return a->free_pages == b->free_pages && a->task_objs == b->task_objs &&
	       a->stack_objs == b->stack_objs && a->slabs == b->slabs;
}

void print_mm_counts(const char *who, const struct mm_counts *c)
{
	printk(KERN_INFO "%s: free pages %lu, task_struct objects %lu, thread_info objects %lu, slabs %lu\n", who,
	       c->free_pages, c->task_objs, c->stack_objs, c->slabs);
}

/* init=/path: the program pid 1 execs (2.6.12's execute_command). */
static char init_path[64];
const char *execute_command = init_path;
static const struct scenario exec_scenario = {
	init_path, scenario_exec, "init execs it, with the words after \"--\" as its arguments"
};

/* The value of "init=" in the command line (up to a blank), or "process1": a scenario's name, or a
 * program's path (it starts with '/'). Unknown names end the run with FS_EXIT_BAD_CMDLINE. QEMU
 * prefixes the kernel's path, so the option is searched for. */
static const struct scenario *parse_init_option(const char *cmdline)
{
	const char *opt = strstr(cmdline, "init=");
	char name[sizeof(init_path)];
	size_t n = 0;
	size_t i;

	if (!opt)
		return &scenarios[0];
	for (opt += 5; opt[n] && opt[n] != ' ' && n < sizeof(name) - 1; n++)
		name[n] = opt[n];
	name[n] = 0;
	if (name[0] == '/') {
		strlcpy(init_path, name, sizeof(init_path));
		return &exec_scenario;
	}
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(name, scenarios[i].name))
			return &scenarios[i];
	printk(KERN_ERR "init=%s: no such scenario (or a path: init=/sbin/init -- forktest); known:", name);
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		printk(" %s", scenarios[i].name);
	printk("\n");
	machine_exit(FS_EXIT_BAD_CMDLINE);
}

/*
 * parse_early_param: the console's log level ("quiet", "debug", "loglevel=N") from the loader's
 * command line, before the first printk, so that the banner obeys it too. setup_arch() keeps the
 * command line later; this reads the loader's copy, which is still intact.
 */
static void parse_early_param(unsigned long magic, const struct multiboot_info *mbi)
{
	if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (mbi->flags & MULTIBOOT_INFO_CMDLINE))
		parse_console_loglevel((const char *)mbi->cmdline);
}

/* getpid() the way user space will call it: int $0x80 (from ring 0 here, a 3-word frame). */
long getpid_syscall(void)
{
	long ret;

	__asm__ __volatile__("int $0x80" : "=a"(ret) : "0"(__NR_getpid) : "memory");
	return ret;
}

/* init: pid 1. Runs the scenario and exits with its status (kernel_thread_helper -> do_exit). */
static int init(void *unused)
{
	(void)unused;
	child_reaper = current;
	printk(KERN_INFO "init: pid %ld running, scenario %s: %s\n", getpid_syscall(), chosen->name,
	       chosen->what);
	return chosen->fn();
}

/*
 * rest_init: create init, then become the idle task for good. init is a CLONE_VM kernel thread, so it
 * does not run first: swapper reaches cpu_idle(), whose need_resched (set by sched_init) makes it call
 * schedule() at once, and pid 1 starts at ret_from_fork.
 */
static noinline void rest_init(void)
{
	kernel_thread_named("init", init, NULL, CLONE_FS | CLONE_SIGHAND);
	cpu_idle();
}

/*
 * kernel_shutdown: called by swapper once init has been reaped and no task is left. Gives back the
 * last address space swapper was running on, checks that every page and object came back and writes
 * the final status: init's exit code if it failed, otherwise FS_EXIT_SCENARIO on a leak, otherwise
 * FS_EXIT_OK. init's exit code is what a kernel thread returned (a scenario's status) or, if init
 * exec'd a user program, that program's exit(status) as wait() sees it, status << 8.
 */
void kernel_shutdown(int init_status)
{
	struct mm_counts now;
	int status = (init_status & 0xff) ? init_status : (init_status >> 8) & 0xff;

	idle_task_exit();
	read_mm_counts(&now);
	print_mm_counts("mm at boot", &boot_counts);
	print_mm_counts("mm at shutdown", &now);
	printk(KERN_INFO "cow: %lu pages shared by fork, %lu write faults (%lu in the kernel): %lu pages copied, "
	       "%lu reused\n", cow_stats.shared, cow_stats.faults, cow_stats.kernel_faults,
	       cow_stats.copied, cow_stats.reused);
	if (!same_mm_counts(&now, &boot_counts)) {
		printk(KERN_ERR "shutdown: memory not returned\n");
		if (!status)
			status = FS_EXIT_SCENARIO;
	}
	printk(KERN_INFO "shutdown: init exited with %d after %lu forks, %llu context switches, jiffies %lu; "
	       "status %d\n", init_status, total_forks, nr_context_switches(), jiffies, status);
	machine_exit(status);
}

/* start_kernel: swapper's boot, interrupts off until the timer and IDT are ready. Does not return. */
asmlinkage void start_kernel(unsigned long magic, const struct multiboot_info *mbi)
{
	serial_init();
	parse_early_param(magic, mbi);
	printk(KERN_NOTICE "forkscope guest: Linux 2.6.12 process model (i386, HZ=%d, THREAD_SIZE=%d)\n", HZ,
	       THREAD_SIZE);
	setup_arch(magic, mbi);
	chosen = parse_init_option(saved_command_line);
	cpu_init();
	sched_init();
	trap_init();
	init_IRQ();
	init_timers();
	time_init();
	serial8250_init();
	local_irq_enable();
	fork_init(num_physpages);
	printk(KERN_INFO "fork_init: max_threads %d (RLIMIT_NPROC %lu, root exempt)\n", max_threads,
	       init_task.rlim_nproc);
	read_mm_counts(&boot_counts);
	rest_init();
}
