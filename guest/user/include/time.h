/* time.h: nanosleep (lib/syscalls.c). The kernel never wakes a sleeper early (no signals), so rem is
 * never written. */
#ifndef _TIME_H
#define _TIME_H

struct timespec {
	long tv_sec;
	long tv_nsec;
};

int nanosleep(const struct timespec *req, struct timespec *rem);

#endif
