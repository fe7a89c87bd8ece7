/* asm-i386/current.h: current is the task that owns the kernel stack esp is on. */
#ifndef _ASM_CURRENT_H
#define _ASM_CURRENT_H

#include <asm/thread_info.h>

static inline struct task_struct *get_current(void)
{
	return current_thread_info()->task;
}
#define current get_current()

#endif
