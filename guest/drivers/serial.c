/* drivers/serial.c: the console, a 16550 at COM1 (0x3F8). Output is polled (2.6.12's
 * serial_console_write polls too: printk must work with interrupts off); input comes by the receive
 * interrupt on IRQ4 into the console tty (2.6.12 drivers/serial/8250.c: serial8250_startup,
 * serial8250_interrupt, receive_chars; the flip buffer is skipped, bytes go straight to n_tty). */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/tty.h>
#include <asm/hw_irq.h>
#include <asm/io.h>
#include <asm/system.h>

#define COM1		0x3F8
#define UART_RX		0	/* receive buffer (DLAB = 0, read) */
#define UART_THR	0	/* transmit holding (DLAB = 0) */
#define UART_DLL	0	/* divisor latch low (DLAB = 1) */
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_IIR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_LSR_DR	0x01	/* receiver data ready */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LCR_DLAB	0x80
#define UART_IER_RDI	0x01	/* enable receiver data interrupt */
#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT2	0x08	/* a PC gates the UART's interrupt onto IRQ4 with OUT2 */
#define UART_MSR_DCD	0x80	/* data carrier detect */
#define SERIAL_IRQ	4	/* COM1 on a PC */

void serial_init(void);
void serial_putc(char c);

/* 115200 8N1, FIFOs on, no interrupts (IER = 0: printk polls). */
void serial_init(void)
{
	outb(0x00, COM1 + UART_IER);
	outb(UART_LCR_DLAB, COM1 + UART_LCR);
	outb(0x01, COM1 + UART_DLL);
	outb(0x00, COM1 + UART_DLM);
	outb(0x03, COM1 + UART_LCR);
	outb(0x07, COM1 + UART_FCR);
	outb(UART_MCR_DTR | UART_MCR_RTS, COM1 + UART_MCR);
}

/* Waits for THRE, then sends one byte. Callers hold interrupts off (printk does). */
void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(c, COM1 + UART_THR);
}

/*
 * serial8250_throttle/unthrottle: read_buf is full / has room again. 2.6.12 would drop RTS (with
 * CRTSCTS); here the receive interrupt is masked at the UART instead (2.6.12's stop_rx clears
 * UART_IER_RDI too), which also holds the sender once the UART's own FIFO fills. Setting RDI again
 * raises IRQ4 at once if bytes wait, so nothing is lost and nothing is left behind. Interrupts off.
 */
static void serial8250_throttle(struct tty_struct *tty)
{
	tty->throttled = 1;
	outb(0, COM1 + UART_IER);
}

static void serial8250_unthrottle(struct tty_struct *tty)
{
	tty->throttled = 0;
	outb(UART_IER_RDI, COM1 + UART_IER);
}

/*
 * serial8250_interrupt: IRQ4. receive_chars: every byte the UART holds goes to the console tty while
 * there is room (throttling when there is not), then readers are woken if a line was completed.
 * Reading RBR until LSR.DR clears is what drops the UART's interrupt line, so the next byte makes a
 * new edge for the edge-triggered 8259A.
 */
static int serial8250_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct tty_struct *tty = &console_tty;
	int wake = 0;

	(void)irq;
	(void)dev_id;
	(void)regs;
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		if (n_tty_buffer_full(tty)) {
			tty->throttle(tty);
			break;
		}
		wake |= n_tty_receive_char(tty, inb(COM1 + UART_RX));
	}
	if (wake)
		wake_up_interruptible(&tty->read_wait);
	return 1;
}

/*
 * serial8250_init: the console tty and, when something is connected (DCD: forkscope asserts it only
 * with --serial-input), the receive interrupt - setup_irq first, then IER.RDI and OUT2, as
 * serial8250_startup does, so bytes already waiting in the FIFO raise IRQ4 at once. Without a
 * carrier the interrupt stays off and every console read is end of file. After init_IRQ().
 */
void serial8250_init(void)
{
	struct tty_struct *tty = &console_tty;

	init_waitqueue_head(&tty->read_wait);
	tty->throttle = serial8250_throttle;
	tty->unthrottle = serial8250_unthrottle;
	tty->carrier = !!(inb(COM1 + UART_MSR) & UART_MSR_DCD);
	if (!tty->carrier)
		return;
	if (setup_irq(SERIAL_IRQ, serial8250_interrupt, "serial"))
		panic("serial8250_init: IRQ %d is taken", SERIAL_IRQ);
	outb(UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2, COM1 + UART_MCR);
	outb(UART_IER_RDI, COM1 + UART_IER);
}
