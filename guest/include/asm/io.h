/* asm-i386/io.h: port I/O. */
#ifndef _ASM_IO_H
#define _ASM_IO_H

#include <linux/types.h>

static inline void outb(u8 v, u16 port) { __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u32 v, u16 port) { __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
/* outb_p: Linux adds a write to port 0x80 as a delay for old PICs; forkscope and QEMU need none. */
#define outb_p(v, port) outb(v, port)

#endif
