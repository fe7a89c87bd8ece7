/* fs/read_write.c: write(2). There are no files yet: descriptors 1 and 2 of every process are the
 * console, anything else is -EBADF. */
#include <linux/kernel.h>
#include <linux/sched.h>
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
