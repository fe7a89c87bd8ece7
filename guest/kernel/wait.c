/* kernel/wait.c: wait queue heads. */
#include <linux/sched.h>
#include <linux/wait.h>
#include <asm/system.h>

void add_wait_queue(wait_queue_head_t *q, wait_queue_t *wait)
{
	unsigned long flags;

	local_irq_save(flags);
	list_add(&wait->task_list, &q->task_list);
	local_irq_restore(flags);
}

void remove_wait_queue(wait_queue_head_t *q, wait_queue_t *wait)
{
	unsigned long flags;

	(void)q;
	local_irq_save(flags);
	list_del(&wait->task_list);
	local_irq_restore(flags);
}

/* __wake_up: wake every waiter whose state is in mode. */
void __wake_up(wait_queue_head_t *q, unsigned int mode, int sync)
{
	struct list_head *pos, *n;
	unsigned long flags;

	local_irq_save(flags);
	list_for_each_safe(pos, n, &q->task_list) {
		wait_queue_t *w = list_entry(pos, wait_queue_t, task_list);

		try_to_wake_up(w->task, mode, sync);
	}
	local_irq_restore(flags);
}
