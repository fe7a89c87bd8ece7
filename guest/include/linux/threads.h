/* linux/threads.h. */
#ifndef _LINUX_THREADS_H
#define _LINUX_THREADS_H

#define NR_CPUS		1
#define PID_MAX_DEFAULT	0x8000
#define PID_MAX		PID_MAX_DEFAULT

#endif
