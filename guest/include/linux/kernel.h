/* linux/kernel.h: printk, panic, the usual helpers. */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <linux/compiler.h>
#include <linux/linkage.h>
#include <linux/types.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))

/* Log levels (kernel/printk.c): a line starting with one of these is shown on the console only when
 * its level is below console_loglevel; a line without one has default_message_loglevel. */
#define KERN_EMERG	"<0>"	/* the system is unusable (panic, BUG, Oops) */
#define KERN_ALERT	"<1>"
#define KERN_CRIT	"<2>"
#define KERN_ERR	"<3>"	/* an error: a user process killed, an exec refused */
#define KERN_WARNING	"<4>"
#define KERN_NOTICE	"<5>"	/* normal but significant: the banner, the command line */
#define KERN_INFO	"<6>"	/* the process lifecycle: fork, exec, exit, reap; memory counts */
#define KERN_DEBUG	"<7>"
#define DEFAULT_MESSAGE_LOGLEVEL	4
#define DEFAULT_CONSOLE_LOGLEVEL	7
extern int console_loglevel;
extern int default_message_loglevel;
void parse_console_loglevel(const char *cmdline);
/* lib/cmdline.c: "name=N" (the last one; -1 if absent) and a bare word (before any "--"). */
long cmdline_number(const char *cmdline, const char *name);
int cmdline_word(const char *cmdline, const char *word);

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list args);
void console_write(const char *s, unsigned int n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int sprintf(char *buf, const char *fmt, ...) __printf(2, 3);

/* kernel/panic.c. Neither returns: both end the run through the debug-exit port (abi.h statuses). */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
void machine_exit(int status) __noreturn;

#endif
