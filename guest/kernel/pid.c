/* kernel/pid.c: pid numbers from a bitmap, handed out in increasing order from the last one (wrapping
 * at PID_MAX, skipping 0) as 2.6.12's alloc_pidmap does. Lookup walks the task list (2.6.12 hashes). */
#include <linux/sched.h>
#include <linux/threads.h>
#include <asm/bitops.h>

static unsigned long pidmap[PID_MAX / 32];
static int last_pid;

/* alloc_pidmap: the next free pid after last_pid, or -1 if all are taken. */
int alloc_pidmap(void)
{
	int pid = last_pid, i;

	for (i = 0; i < PID_MAX; i++) {
		if (++pid >= PID_MAX)
			pid = 1;
		if (!test_bit(pid, pidmap)) {
			__set_bit(pid, pidmap);
			last_pid = pid;
			return pid;
		}
	}
	return -1;
}

void free_pidmap(int pid)
{
	__clear_bit(pid, pidmap);
}

/* find_task_by_pid: the live or zombie task with this pid, or NULL. */
struct task_struct *find_task_by_pid(int pid)
{
	struct task_struct *p;

	if (pid == 0)
		return &init_task;
	for_each_process(p)
		if (p->pid == pid)
			return p;
	return NULL;
}
