/* linux/wait.h: wait queues (kernel/wait.c). A sleeper links a wait_queue_t naming itself into the head;
 * __wake_up() calls try_to_wake_up() on each (no exclusive waiters here). */
#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/list.h>

struct task_struct;

typedef struct __wait_queue {
	struct task_struct *task;
	struct list_head task_list;
} wait_queue_t;

typedef struct __wait_queue_head {
	struct list_head task_list;
} wait_queue_head_t;

static inline void init_waitqueue_head(wait_queue_head_t *q) { INIT_LIST_HEAD(&q->task_list); }
static inline void init_waitqueue_entry(wait_queue_t *q, struct task_struct *p)
{
	q->task = p;
	INIT_LIST_HEAD(&q->task_list);
}

void add_wait_queue(wait_queue_head_t *q, wait_queue_t *wait);
void remove_wait_queue(wait_queue_head_t *q, wait_queue_t *wait);
void __wake_up(wait_queue_head_t *q, unsigned int mode, int sync);

#define wake_up(q)			__wake_up(q, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE, 0)
#define wake_up_interruptible(q)	__wake_up(q, TASK_INTERRUPTIBLE, 0)
#define wake_up_interruptible_sync(q)	__wake_up(q, TASK_INTERRUPTIBLE, 1)

#endif
