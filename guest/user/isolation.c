/*
 * isolation: after fork() parent and child have separate copies of every user page. Both write their
 * own values to the same global (data segment) and the same local (stack) - the same linear
 * addresses in both - and each checks that the other's writes did not reach it:
 *   1. the child (it runs first, wake_up_new_task) writes 1000/2000 and yields (sched_yield moves it
 *      to the expired array, so the parent runs);
 *   2. the parent still reads the values from before the fork (1/2), writes 3000/4000 and sleeps in
 *      waitpid();
 *   3. the child still reads its 1000/2000 and exits with 42 if so; the parent, woken, still reads
 *      3000/4000 and checks the child's exit status.
 * Then the same from the other side of copy-on-write (fork shares every page read-only, the first
 * write copies it, mm/memory.c do_wp_page):
 *   4. the parent fills a 3-page buffer with 'p' and a status word on a stack page of its own with
 *      0x5555, then forks again; the child (running first) writes 'c' over the whole buffer - three
 *      user write faults, three copies - and forks a grandchild that exits with 7 at once;
 *   5. the child's waitpid() stores the grandchild's status in its status word: a write by the
 *      kernel (put_user) to a page still shared with the parent, which faults too (CR0.WP) and gets
 *      the child its own copy; the child checks it reads 0x0700 there and exits;
 *   6. the parent, woken, still reads 'p' in every byte and 0x5555 in its status word.
 * The order of the lines does not depend on timing: it is the one above.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_OK	42	/* the child's exit status when it saw its own values */
#define CHILD_FAILED	1

static volatile int global = 1;

#define BUFFER_SIZE	(3 * 4096)
#define STATUS_FILL	0x5555
#define GRANDCHILD_EXIT	7
static volatile char buffer[BUFFER_SIZE];	/* .bss: 3 or 4 pages of the data region */

/* The child of steps 4-5: write the buffer, then let the kernel write the status word. */
static int cow_child(volatile int *kstatus)
{
	pid_t gc, got;
	int i;

	for (i = 0; i < BUFFER_SIZE; i++)
		buffer[i] = 'c';
	printf("isolation: child pid %d wrote 'c' over the buffer\n", getpid());
	gc = fork();
	if (gc == 0)
		exit(GRANDCHILD_EXIT);
	got = waitpid(gc, (int *)kstatus, 0);
	if (got != gc || *kstatus != GRANDCHILD_EXIT << 8) {
		printf("isolation: child pid %d waitpid(%d) -> %d, status word %04x: FAILED\n", getpid(),
		       gc, got, *kstatus);
		return CHILD_FAILED;
	}
	printf("isolation: child pid %d: waitpid(%d) stored status %04x in its copy of the status "
	       "word: ok\n", getpid(), gc, *kstatus);
	return CHILD_OK;
}

/* Steps 4-6; the number of failed checks. */
static int cow_checks(void)
{
	/* 8 KiB of stack: the page around its middle word lies wholly inside the array, so no call
	 * frame or other local writes it - after the fork only the kernel's put_user does. */
	volatile int frame[2048];
	volatile int *kstatus = &frame[1024];
	int i, bad = 0, status = 0;
	pid_t pid, got;

	for (i = 0; i < BUFFER_SIZE; i++)
		buffer[i] = 'p';
	*kstatus = STATUS_FILL;
	printf("isolation: parent pid %d filled a %d-byte buffer with 'p', status word %04x at %p\n",
	       getpid(), BUFFER_SIZE, *kstatus, (void *)kstatus);
	pid = fork();
	if (pid < 0) {
		printf("isolation: fork failed, errno %d\n", errno);
		return 1;
	}
	if (pid == 0)
		exit(cow_child(kstatus));
	got = waitpid(pid, &status, 0);
	if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK)
		bad++;
	for (i = 0; i < BUFFER_SIZE; i++)
		if (buffer[i] != 'p')
			break;
	if (i != BUFFER_SIZE || *kstatus != STATUS_FILL)
		bad++;
	printf("isolation: parent pid %d: child %d exited with %d; buffer 'p' in %d of %d bytes, status "
	       "word %04x (expected %04x): %s\n", getpid(), got, WEXITSTATUS(status), i, BUFFER_SIZE,
	       *kstatus, STATUS_FILL, bad ? "FAILED" : "ok");
	return bad;
}

static int sees(const char *who, volatile int *g, volatile int *l, int want_g, int want_l)
{
	int ok = *g == want_g && *l == want_l;

	printf("isolation: %s pid %d reads global %d (expected %d), local %d (expected %d): %s\n", who,
	       getpid(), *g, want_g, *l, want_l, ok ? "ok" : "FAILED");
	return ok;
}

int main(int argc, char **argv)
{
	volatile int local = 2;
	int failed = 0, status = 0;
	pid_t pid, got;

	(void)argc;
	printf("isolation: %s running as pid %d: global at %p, local at %p\n", argv[0], getpid(),
	       (void *)&global, (void *)&local);
	pid = fork();
	if (pid < 0) {
		printf("isolation: fork failed, errno %d\n", errno);
		return 19;
	}
	if (pid == 0) {
		global = 1000;
		local = 2000;
		printf("isolation: child pid %d wrote global 1000, local 2000 at %p, %p\n", getpid(),
		       (void *)&global, (void *)&local);
		sched_yield();	/* the parent checks and writes its own values now */
		exit(sees("child", &global, &local, 1000, 2000) ? CHILD_OK : CHILD_FAILED);
	}
	if (!sees("parent", &global, &local, 1, 2))	/* the child's 1000/2000 are not here */
		failed++;
	global = 3000;
	local = 4000;
	printf("isolation: parent pid %d wrote global 3000, local 4000 at %p, %p\n", getpid(),
	       (void *)&global, (void *)&local);
	got = waitpid(pid, &status, 0);
	if (!sees("parent", &global, &local, 3000, 4000))
		failed++;
	if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK) {
		printf("isolation: waitpid(%d) -> %d, status %04x: expected exit status %d: FAILED\n", pid,
		       got, status, CHILD_OK);
		failed++;
	} else {
		printf("isolation: child pid %d exited with %d: ok\n", got, WEXITSTATUS(status));
	}
	failed += cow_checks();
	printf("isolation: %s\n", failed ? "FAILED" : "ok");
	return failed ? 19 : 0;	/* 19: FS_EXIT_SCENARIO */
}
