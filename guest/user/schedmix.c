/*
 * schedmix: the scheduler seen from user mode. First the new system calls' error cases (read of the
 * console, nanosleep's and clone's -EFAULT/-EINVAL); then three CPU hogs at nice 0, 5 and 10 and an
 * interactive sleeper (nanosleep 10 ms in a loop) run for one guest second (100 clock ticks of
 * times()). Each child prints what it measured and exits with it (CPU clock ticks, or wakeups); the
 * parent reaps them by pid and checks that a lower nice value got more CPU and that the sleeper
 * woke as often as 11-tick sleeps (10 ms rounded up, plus the tick already under way) fit in the
 * second, +-1.
 *
 The parent first raises its own priority to nice -5 (root may), so that it keeps the CPU while it
 * forks: each hog at once lowers its priority to nice 0, 5 or 10, and the sleeper stays at -5, so
 * that it preempts every hog when its timer wakes it (at an equal priority it would wait for the
 * running hog's slice to end). A child inherits half its parent's remaining time slice at fork (the
 * first children get 249, 124 and 62 ticks), and nice() does not change a slice until it next
 * refills: the first round favours the earlier children. The hogs are forked in nice order, so that
 * round agrees with nice; the rounds after it are the nice slices themselves (100, 75 and 50 ticks).
 *
 * Everything is deterministic (the machine is): the same run prints the same numbers every time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_CLOCK_TICKS	100		/* one second at USER_HZ 100 */
#define SLEEP_NS	10000000L	/* the sleeper's 10 ms */
#define SLEEP_TICKS	11		/* what the kernel makes of it at HZ=1000 */
#define WORK_UNIT	40000		/* iterations per hog loop: a few ms of CPU */
#define NHOGS		3
#define PARENT_NICE	(-5)		/* the parent's and the sleeper's */

static const int hog_nice[NHOGS] = { 0, 5, 10 };
static int failed;

static void check(const char *what, long got, long want_ret, int want_errno)
{
	int ok = got == want_ret && (want_ret != -1 || errno == want_errno);

	printf("schedmix: %s -> %ld", what, got);
	if (got == -1)
		printf(", errno %d", errno);
	printf(" (expected %ld", want_ret);
	if (want_ret == -1)
		printf(", errno %d", want_errno);
	printf("): %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		failed++;
}

static void syscall_checks(void)
{
	char buf[8];
	struct timespec ts;

	check("read(0, buf, 8) with no console input", read(0, buf, sizeof(buf)), 0, 0);
	check("read(5, buf, 8)", read(5, buf, sizeof(buf)), -1, EBADF);
	check("read(0, kernel address, 8)", read(0, (void *)0x1000, 8), -1, EFAULT);
	check("nanosleep(kernel address)", nanosleep((const struct timespec *)0x1000, NULL), -1, EFAULT);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000L;
	check("nanosleep({0, 1000000000})", nanosleep(&ts, NULL), -1, EINVAL);
	ts.tv_nsec = -1;
	check("nanosleep({0, -1})", nanosleep(&ts, NULL), -1, EINVAL);
	ts.tv_nsec = 0;
	check("nanosleep({0, 0})", nanosleep(&ts, NULL), 0, 0);
	/* CLONE_SIGHAND 0x800 without CLONE_VM; CLONE_THREAD 0x10000 without CLONE_SIGHAND. */
	check("clone(CLONE_SIGHAND|SIGCHLD)", syscall(__NR_clone, 0x800 | 17, 0, 0), -1, EINVAL);
	check("clone(CLONE_VM|CLONE_THREAD|SIGCHLD)", syscall(__NR_clone, 0x100 | 0x10000 | 17, 0, 0), -1,
	      EINVAL);
	check("nice(0)", nice(0), 0, 0);
}

/* The hogs' work: volatile, so the compiler keeps every iteration. */
static void work(void)
{
	volatile int i;

	for (i = 0; i < WORK_UNIT; i++)
		;
}

static void hog(int n, clock_t deadline)
{
	struct tms t;
	int loops = 0;

	nice(hog_nice[n] - PARENT_NICE);	/* from the parent's -5 up to 0, 5 or 10 */
	while (times(NULL) < deadline) {
		work();
		loops++;
	}
	times(&t);
	printf("schedmix: hog pid %d nice %d: %d loops, %ld ms of CPU in user mode, %ld in the kernel\n",
	       getpid(), hog_nice[n], loops, t.tms_utime * 10, t.tms_stime * 10);
	/* The CPU time, not the loops: it fits in an exit status (at most RUN_CLOCK_TICKS) whatever
	 * the CPU's speed, where a fast one (QEMU) does thousands of loops. */
	exit((int)(t.tms_utime + t.tms_stime));
}

static void sleeper(clock_t deadline)
{
	struct timespec ts = { 0, SLEEP_NS };
	struct tms t;
	int wakeups = 0;

	while (times(NULL) < deadline) {
		nanosleep(&ts, NULL);
		wakeups++;
	}
	times(&t);
	printf("schedmix: sleeper pid %d: %d wakeups, %ld ms of CPU in user mode, %ld in the kernel\n",
	       getpid(), wakeups, t.tms_utime * 10, t.tms_stime * 10);
	exit(wakeups > 255 ? 255 : wakeups);
}

int main(int argc, char **argv)
{
	pid_t pids[NHOGS + 1];
	int result[NHOGS + 1];
	clock_t start, deadline;
	int i, status, expected;

	(void)argc;
	printf("schedmix: %s running as pid %d\n", argv[0], getpid());
	syscall_checks();

	/* Root may raise its priority: the parent goes to nice -5, so that it keeps the CPU while it
	 * forks (each hog lowers its own priority at once); the sleeper keeps the -5. */
	check("nice(-5) as root", nice(PARENT_NICE), 0, 0);
	start = times(NULL);
	deadline = start + RUN_CLOCK_TICKS;
	printf("schedmix: hogs at nice 0, 5, 10 and a 10 ms sleeper at nice -5 from clock tick %ld to %ld\n", start,
	       deadline);
	for (i = 0; i <= NHOGS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			if (i < NHOGS)
				hog(i, deadline);
			sleeper(deadline);
		}
		if (pids[i] < 0) {
			printf("schedmix: fork -> -1, errno %d: FAILED\n", errno);
			return 19;
		}
	}
	for (i = 0; i <= NHOGS; i++) {
		status = 0;
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status)) {
			printf("schedmix: waitpid(%d) failed, status %d: FAILED\n", pids[i], status);
			failed++;
		}
		result[i] = WEXITSTATUS(status);
	}
	for (i = 0; i + 1 < NHOGS; i++) {
		int ok = result[i] > result[i + 1] && result[i + 1] > 0;

		printf("schedmix: nice %d got %d ticks of CPU, nice %d got %d: %s\n", hog_nice[i], result[i],
		       hog_nice[i + 1], result[i + 1], ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	/* 1000 jiffies of 11-tick sleeps, the last one running past the deadline. */
	expected = (RUN_CLOCK_TICKS * 10 + SLEEP_TICKS - 1) / SLEEP_TICKS;
	{
		int ok = result[NHOGS] >= expected - 1 && result[NHOGS] <= expected + 1;

		printf("schedmix: sleeper woke %d times, expected %d +-1: %s\n", result[NHOGS], expected,
		       ok ? "ok" : "FAILED");
		if (!ok)
			failed++;
	}
	printf("schedmix: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
