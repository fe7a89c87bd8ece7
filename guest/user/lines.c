/*
 * lines: reads the console (fd 0) until end of file and prints one line about each line read - its
 * number, its length, and the line upper-cased and reversed - then a total. Input comes from
 * `forkscope run --serial-input FILE`: the kernel's tty returns at most one line per read(), a
 * line longer than the buffer in several reads, a last line without '\n' on its own (the ^D
 * forkscope sends ends it), and 0 at end of input (or at once when no input is connected).
 *
 * What it prints depends only on the input, not on when the bytes arrive: reads are counted, and a
 * read ends at a line's end or the buffer's, never at an arrival time.
 *
 * With an argument MS (init=lines lines.pause=MS) it first sleeps MS milliseconds, so the input
 * piles up in the kernel (the tty buffer fills and the driver throttles) before the first read.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE	64	/* smaller than the tty's 256-byte buffer: long lines take several reads */
#define LINE_MAX	512	/* kept for printing; longer lines are counted, not kept */
#define SHOW		40	/* characters of a line shown */

static char line[LINE_MAX];
static unsigned int line_len;	/* bytes of the current line, '\n' excluded */
static unsigned int nlines, nbytes, nreads;

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* One line done: print it upper-cased and reversed (the first SHOW characters of that). */
static void emit(int ended)
{
	char shown[SHOW + 1];
	unsigned int kept = line_len < LINE_MAX ? line_len : LINE_MAX, i, n = 0;

	for (i = kept; i > 0 && n < SHOW; i--) {
		char c = line[i - 1];

		shown[n++] = c >= ' ' && c < 0x7f ? upper(c) : '.';
	}
	shown[n] = '\0';
	nlines++;
	printf("lines: %u: %u bytes%s \"%s\"%s\n", nlines, line_len, ended ? "" : " (no newline)",
	       shown, kept > SHOW ? "..." : "");
	line_len = 0;
}

int main(int argc, char **argv)
{
	char buf[READ_SIZE];
	ssize_t n;

	if (argc > 1) {
		struct timespec ts = { 0, 0 };
		const char *p;
		long ms = 0;

		for (p = argv[1]; *p >= '0' && *p <= '9'; p++)
			ms = ms * 10 + (*p - '0');
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		printf("lines: pausing %ld ms before reading\n", ms);
		nanosleep(&ts, NULL);
	}
	printf("lines: reading the console\n");
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		ssize_t i;

		nreads++;
		nbytes += (unsigned int)n;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				emit(1);
				continue;
			}
			if (line_len < LINE_MAX)
				line[line_len] = buf[i];
			line_len++;
		}
		/* A read that ends without '\n' and is not full ended its line with ^D (one of exactly
		 * READ_SIZE bytes cannot be told from a piece of a longer line: it joins the next). */
		if (buf[n - 1] != '\n' && (size_t)n < sizeof(buf))
			emit(0);
	}
	if (n < 0) {
		printf("lines: read failed, errno %d\n", errno);
		return 1;
	}
	if (line_len)
		emit(0);
	printf("lines: end of input: %u lines, %u bytes in %u reads\n", nlines, nbytes, nreads);
	return 0;
}
