/*
 * kernel/printk.c: printk straight to the serial console, filtered by log level as 2.6.12 filters
 * what reaches the console: a line may start with "<N>" (KERN_EMERG "<0>" .. KERN_DEBUG "<7>"); a
 * line without one gets default_message_loglevel (4, KERN_WARNING), and a line goes to the console
 * only when its level is below console_loglevel (7; "quiet" makes it 4, "debug" 10, "loglevel=N" N).
 * The "<N>" is never printed. A printk that does not end its line leaves the next printk continuing it
 * at the same level, as 2.6.12's vprintk does.
 *
 * Differences from 2.6.12: no log buffer and no console lock - each call formats into a local buffer
 * and writes it out with interrupts off, so lines from interrupt context never interleave with a
 * task's line; and the level filter applies from the first line (the command line is read before the
 * banner, parse_early_param), where 2.6.12 filters when it replays the log buffer to the console.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/system.h>

void serial_putc(char c);

int console_loglevel = DEFAULT_CONSOLE_LOGLEVEL;
int default_message_loglevel = DEFAULT_MESSAGE_LOGLEVEL;

/* The level of the line being printed; -1 at the start of a line. */
static int line_level = -1;

int vprintk(const char *fmt, va_list args)
{
	char buf[256];
	unsigned long flags;
	int n, i;

	n = vsnprintf(buf, sizeof(buf), fmt, args);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	local_irq_save(flags);
	for (i = 0; i < n; i++) {
		if (line_level < 0) {
			if (buf[i] == '<' && i + 2 < n && buf[i + 1] >= '0' && buf[i + 1] <= '7' &&
			    buf[i + 2] == '>') {
				line_level = buf[i + 1] - '0';
				i += 2;
				continue;
			}
			line_level = default_message_loglevel;
		}
		if (line_level < console_loglevel)
			serial_putc(buf[i]);
		if (buf[i] == '\n')
			line_level = -1;
	}
	local_irq_restore(flags);
	return n;
}

/* console_write: n bytes to the console as they are (write(2) to fd 1 or 2): never filtered. */
void console_write(const char *s, unsigned int n)
{
	unsigned long flags;
	unsigned int i;

	local_irq_save(flags);
	for (i = 0; i < n; i++)
		serial_putc(s[i]);
	local_irq_restore(flags);
}

int printk(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vprintk(fmt, args);
	va_end(args);
	return n;
}

/* console_loglevel from the command line: 2.6.12's "quiet" (4), "debug" (10) and "loglevel=N". */
void parse_console_loglevel(const char *cmdline)
{
	long level = cmdline_number(cmdline, "loglevel");

	if (cmdline_word(cmdline, "debug"))
		console_loglevel = 10;
	if (cmdline_word(cmdline, "quiet"))
		console_loglevel = 4;
	if (level >= 0)
		console_loglevel = (int)level;
}
