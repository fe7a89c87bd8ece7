/* linux/tty.h: the console's tty, reduced to what read(0, ...) needs: the N_TTY line discipline's
 * read buffer in canonical mode (drivers/n_tty.c) fed by the 8250 driver's receive interrupt
 * (drivers/serial.c). 2.6.12 keeps these fields in struct tty_struct too (read_buf, read_head,
 * read_tail, read_cnt, canon_data, read_flags, read_wait); there is one tty here, the console, and
 * no termios: ICANON is always on, ECHO always off (the input is a file, not a terminal), VEOF is ^D.
 */
#ifndef _LINUX_TTY_H
#define _LINUX_TTY_H

#include <linux/types.h>
#include <linux/wait.h>
#include <linux/compiler.h>

/* Small on purpose (2.6.12 has 4096): a line longer than the buffer still reads, in pieces. */
#define N_TTY_BUF_SIZE	256
#define EOF_CHAR	0x04	/* VEOF, ^D (INIT_C_CC) */

struct tty_struct {
	int carrier;		/* an input is connected (MSR.DCD at boot); without one, reads are EOF */
	int throttled;		/* the driver stopped taking bytes: read_buf is full */
	unsigned int read_head;	/* next free slot */
	unsigned int read_tail;	/* oldest byte */
	unsigned int read_cnt;
	unsigned int canon_data;	/* complete lines (ended by '\n' or ^D) in read_buf */
	unsigned long read_flags[N_TTY_BUF_SIZE / (8 * sizeof(unsigned long))];	/* line ends */
	unsigned char read_buf[N_TTY_BUF_SIZE];
	wait_queue_head_t read_wait;	/* readers sleeping for a line */
	/* The driver's side (2.6.12: tty->driver->throttle/unthrottle). */
	void (*throttle)(struct tty_struct *tty);
	void (*unthrottle)(struct tty_struct *tty);
};

extern struct tty_struct console_tty;

/* n_tty.c. Called with interrupts off (the receive interrupt): one byte into read_buf. Returns 1 when
 * it ended a line (readers should be woken). The caller must not pass a byte when read_buf is full. */
int n_tty_receive_char(struct tty_struct *tty, unsigned char c);
static inline int n_tty_buffer_full(const struct tty_struct *tty)
{
	return tty->read_cnt >= N_TTY_BUF_SIZE;
}
/* read(2) on the console: sleeps until a line is complete, returns up to nr bytes of it, 0 at end of
 * input. */
ssize_t read_chan(struct tty_struct *tty, char __user *buf, size_t nr);

/* serial.c: the console's receive side (IRQ4), after init_IRQ. */
void serial8250_init(void);

#endif
