/*
 * drivers/n_tty.c: the N_TTY line discipline's canonical-mode read side (2.6.12
 * drivers/char/n_tty.c: n_tty_receive_char, input_available_p, read_chan), written fresh.
 *
 * The receive interrupt puts bytes into read_buf and marks line ends in read_flags: '\n' and VEOF (^D).
 * A reader sleeps on read_wait until a line is complete, then copies out up to the end of that line.
 * ^D itself is never copied: at the start of a line it makes read() return 0 (end of file), after some
 * bytes it ends the line without a newline - as a terminal's ^D does.
 *
 * Differences from 2.6.12, each with its reason:
 * - no echo, no erase/kill, no signals (ISIG): the input is a byte string forkscope feeds, not a
 *   keyboard, and nothing here would use them;
 * - a full read_buf without a complete line counts as available input (2.6.12 would drop bytes
 *   until a newline comes); bytes are never dropped here, because the driver is throttled instead
 *   (it stops draining the UART, whose sender then holds the line), so a reader must be able to
 *   empty the buffer or nothing would ever move again.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/tty.h>
#include <asm/bitops.h>
#include <asm/system.h>
#include <asm/uaccess.h>

struct tty_struct console_tty;

int n_tty_receive_char(struct tty_struct *tty, unsigned char c)
{
	unsigned int at = tty->read_head;
	int eol = c == '\n' || c == EOF_CHAR;

	BUG_ON(n_tty_buffer_full(tty));
	tty->read_buf[at] = c;
	if (eol) {
		__set_bit(at, tty->read_flags);
		tty->canon_data++;
	}
	tty->read_head = (at + 1) & (N_TTY_BUF_SIZE - 1);
	tty->read_cnt++;
	return eol || n_tty_buffer_full(tty);
}

/* input_available_p: a whole line (or a full buffer), or no input connected at all. */
static int input_available_p(struct tty_struct *tty)
{
	return tty->canon_data || n_tty_buffer_full(tty) || !tty->carrier;
}

/*
 * copy_from_read_buf: take bytes of the current line into kbuf (at most n), with interrupts off as
 * the receive interrupt changes the same fields. Sets *eol when the line's end was consumed and
 * *eof when that end was ^D (which is consumed but not copied). Returns the bytes copied.
 */
static size_t copy_from_read_buf(struct tty_struct *tty, char *kbuf, size_t n, int *eol, int *eof)
{
	unsigned long flags;
	size_t got = 0;

	local_irq_save(flags);
	while (got < n && tty->read_cnt) {
		unsigned int at = tty->read_tail;
		unsigned char c = tty->read_buf[at];

		tty->read_tail = (at + 1) & (N_TTY_BUF_SIZE - 1);
		tty->read_cnt--;
		if (test_bit(at, tty->read_flags)) {
			__clear_bit(at, tty->read_flags);
			tty->canon_data--;
			*eol = 1;
			if (c == EOF_CHAR) {
				*eof = 1;
				break;
			}
			kbuf[got++] = c;
			break;
		}
		kbuf[got++] = c;
	}
	/*
	 * Room again: the driver may take bytes from the UART. At once, not below a threshold as 2.6.12
	 * does (TTY_THRESHOLD_UNTHROTTLE): the buffer then counts as available input only while full,
	 * so a reader that took part of a line without a newline would sleep on a throttled tty that
	 * nothing refills. Unthrottling at any room keeps "throttled implies full" whenever a reader
	 * can look.
	 */
	if (tty->throttled && !n_tty_buffer_full(tty))
		tty->unthrottle(tty);
	local_irq_restore(flags);
	return got;
}

/*
 * read_chan: canonical read. Sleeps (TASK_INTERRUPTIBLE on read_wait; the idle task runs `sti; hlt`
 * meanwhile) until input_available_p(), then returns the bytes up to and including the next '\n', at
 * most nr; the rest of a longer line stays for the next read. Returns 0 for ^D at the start of a
 * line or when no input is connected, -EFAULT if buf cannot be written, -EINTR if a signal comes
 * while it waits.
 */
ssize_t read_chan(struct tty_struct *tty, char __user *buf, size_t nr)
{
	wait_queue_t wait;
	char kbuf[64];
	size_t done = 0;
	int eol = 0, eof = 0;

	init_waitqueue_entry(&wait, current);
	add_wait_queue(&tty->read_wait, &wait);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		local_irq_disable();
		if (input_available_p(tty)) {
			local_irq_enable();
			break;
		}
		local_irq_enable();
		if (signal_pending(current)) {	/* kernel/signal.c: 2.6.12's -ERESTARTSYS */
			set_current_state(TASK_RUNNING);
			remove_wait_queue(&tty->read_wait, &wait);
			return -EINTR;
		}
		schedule();	/* the receive interrupt's wake_up_interruptible() brings us back */
	}
	set_current_state(TASK_RUNNING);
	remove_wait_queue(&tty->read_wait, &wait);

	while (done < nr && !eol) {
		size_t n = copy_from_read_buf(tty, kbuf, min(nr - done, sizeof(kbuf)), &eol, &eof);

		if (!n)
			break;
		if (copy_to_user(buf + done, kbuf, n))
			return done ? (ssize_t)done : -EFAULT;
		done += n;
	}
	return (ssize_t)done;
}
