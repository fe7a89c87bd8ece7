/* sys/times.h: times() (lib/syscalls.c) - CPU time in clock ticks of 10 ms (USER_HZ 100); the
 * result is the clock ticks since boot. tms_cutime and tms_cstime are always 0 in this kernel. */
#ifndef _SYS_TIMES_H
#define _SYS_TIMES_H

typedef long clock_t;

struct tms {
	clock_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

clock_t times(struct tms *buf);

#endif
