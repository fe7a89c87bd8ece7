/* drivers/serial.c: the console, a 16550 at COM1 (0x3F8) driven by polling (2.6.12 has this as
 * drivers/serial/8250.c plus serial_console_write; here it is the minimum printk needs). */
#include <linux/kernel.h>
#include <asm/io.h>

#define COM1		0x3F8
#define UART_THR	0	/* transmit holding (DLAB = 0) */
#define UART_DLL	0	/* divisor latch low (DLAB = 1) */
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LCR_DLAB	0x80

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
	outb(0x03, COM1 + UART_MCR);	/* DTR | RTS */
}

/* Waits for THRE, then sends one byte. Callers hold interrupts off (printk does). */
void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(c, COM1 + UART_THR);
}
