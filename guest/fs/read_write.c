/* fs/read_write.c: read(2) and write(2). There are no files yet: descriptor 0 of every process reads
 * the console (its tty, drivers/n_tty.c), descriptors 1 and 2 write it, anything else is -EBADF. */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/tty.h>
#include <asm/uaccess.h>

/*
 * sys_write: copy the bytes in and send them to the console. A whole write() appears at once: the
 * kernel is not preemptible, so no other process's output can come in between its chunks.
 */
asmlinkage ssize_t sys_write(unsigned int fd, const char __user *buf, size_t count);
asmlinkage ssize_t sys_write(unsigned int fd, const char __user *buf, size_t count)
{
	char kbuf[128];
	size_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if ((ssize_t)count < 0)
		return -EINVAL;
	if (!access_ok(VERIFY_READ, buf, count))
		return -EFAULT;
	while (done < count) {
		size_t n = min(count - done, sizeof(kbuf));

		if (copy_from_user(kbuf, buf + done, n))
			return done ? (ssize_t)done : -EFAULT;
		console_write(kbuf, n);
		done += n;
	}
	return (ssize_t)done;
}

/*
 * sys_read: descriptor 0 is the console's input, read a line at a time (read_chan: canonical mode).
 * The arguments are checked first, as 2.6.12's vfs_read checks them; with no input connected
 * (forkscope run without --serial-input) every read is end of file, 0, at once.
 */
asmlinkage ssize_t sys_read(unsigned int fd, char __user *buf, size_t count);
asmlinkage ssize_t sys_read(unsigned int fd, char __user *buf, size_t count)
{
	if (fd != 0)
		return -EBADF;
	if ((ssize_t)count < 0)
		return -EINVAL;
	if (!access_ok(VERIFY_WRITE, buf, count))
		return -EFAULT;
	if (!count)
		return 0;
	return read_chan(&console_tty, buf, count);
}
