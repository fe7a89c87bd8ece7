/* sys/resource.h: resource limits. The kernel knows one, RLIMIT_NPROC (others: -EINVAL). */
#ifndef _SYS_RESOURCE_H
#define _SYS_RESOURCE_H

#define RLIMIT_NPROC	6	/* processes per user (Linux's number) */

struct rlimit {
	unsigned long rlim_cur;	/* the soft limit, the one fork() checks */
	unsigned long rlim_max;	/* the hard limit: only root may raise it */
};

int getrlimit(int resource, struct rlimit *rlim);
int setrlimit(int resource, const struct rlimit *rlim);

#endif
