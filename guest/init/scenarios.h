/* init/scenarios.h: what init (pid 1) can run, chosen by "init=<name>" on the command line. Each
 * returns init's exit status: FS_EXIT_OK, or FS_EXIT_SCENARIO when one of its checks failed. */
#ifndef _INIT_SCENARIOS_H
#define _INIT_SCENARIOS_H

struct scenario {
	const char *name;
	int (*fn)(void);
	const char *what;
};

int scenario_process1(void);
int scenario_sched(void);
int scenario_forkstorm(void);
int scenario_bugon(void);
int scenario_forktest(void);	/* user_scenarios.c */
int scenario_isolation(void);
int scenario_faults(void);
int scenario_forkbomb(void);
int scenario_schedmix(void);
int scenario_forkloop(void);
int scenario_lines(void);
int scenario_signals(void);
int scenario_sighandler(void);
int scenario_exec(void);		/* init=/path: exec it with the words after "--" */
extern const char *execute_command;	/* main.c: that path */

/* The page allocator and cache counters a scenario compares before and after (main.c). */
struct mm_counts {
	unsigned long free_pages, task_objs, stack_objs, slabs;
};
extern struct mm_counts boot_counts;
void read_mm_counts(struct mm_counts *c);
int same_mm_counts(const struct mm_counts *a, const struct mm_counts *b);
void print_mm_counts(const char *who, const struct mm_counts *c);
long getpid_syscall(void);

#endif
