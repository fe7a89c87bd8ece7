/* kernel/printk.c: printk straight to the serial console. Difference from 2.6.12: no log buffer, no
 * log levels, no console lock - each call formats into a local buffer and writes it out with interrupts
 * off, so lines from interrupt context never interleave with a task's line. */
#include <linux/kernel.h>
#include <asm/system.h>

void serial_putc(char c);

int vprintk(const char *fmt, va_list args)
{
	char buf[256];
	unsigned long flags;
	int n, i;

	n = vsnprintf(buf, sizeof(buf), fmt, args);
	local_irq_save(flags);
	for (i = 0; i < n; i++)
		serial_putc(buf[i]);
	local_irq_restore(flags);
	return n;
}

/* console_write: n bytes to the console as they are (write(2) to fd 1 or 2). */
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
