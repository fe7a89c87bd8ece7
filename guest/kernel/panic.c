/* kernel/panic.c: panic(), BUG() and the way out of the machine. Linux 2.6.12 panics into an endless
 * loop (or a reboot); forkscope's guest leaves through the debug-exit port so a run always ends with a
 * status (abi.h FS_EXIT_*). */
#include <linux/kernel.h>
#include <linux/bug.h>
#include <asm/io.h>
#include <asm/system.h>
#include <abi.h>

/* machine_exit: writes status to the debug-exit port (forkscope and QEMU's isa-debug-exit stop there).
 * Does not return; if nothing listens on the port the CPU halts with interrupts off. */
void machine_exit(int status)
{
	local_irq_disable();
	outl((u32)status, DEBUG_EXIT_PORT);
	for (;;)
		__asm__ __volatile__("hlt");
}

void panic(const char *fmt, ...)
{
	va_list args;

	local_irq_disable();
	printk(KERN_EMERG "Kernel panic - not syncing: ");
	va_start(args, fmt);
	vprintk(fmt, args);
	va_end(args);
	printk("\n");
	machine_exit(FS_EXIT_PANIC);
}

/* __bug: the target of BUG()/BUG_ON(). file is relative to guest/ ("kernel/sched.c"). */
void __bug(const char *file, int line, const char *cond)
{
	local_irq_disable();
	printk(KERN_EMERG "kernel BUG at %s:%d!%s%s\n", file, line, cond ? " " : "", cond ? cond : "");
	machine_exit(FS_EXIT_BUG);
}
