/* arch/i386/lib/usercopy.c: copies between the kernel and user space, checked against the process's
 * regions (asm/uaccess.h says why). The copies themselves go through the user addresses: a task in a
 * system call runs on its own page directory. */
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/uaccess.h>

int access_ok(int type, const void __user *addr, unsigned long size)
{
	unsigned long start = (unsigned long)addr, end = start + size;
	struct mm_struct *mm = current->mm;

	if (segment_eq(get_fs(), KERNEL_DS))
		return 1;
	if (!size)
		return 1;
	if (end < start || start < kernel_map_end || end > TASK_SIZE || !mm)
		return 0;
	while (start < end) {
		struct vm_area_struct *vma = find_vma(mm, start);

		if (!vma || vma->vm_start > start)
			return 0;
		if (type == VERIFY_WRITE && !(vma->vm_flags & VM_WRITE))
			return 0;
		start = vma->vm_end;
	}
	return 1;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if (!access_ok(VERIFY_WRITE, to, n))
		return n;
	memcpy(to, from, n);
	return 0;
}

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if (!access_ok(VERIFY_READ, from, n))
		return n;
	memcpy(to, from, n);
	return 0;
}

long strncpy_from_user(char *dst, const char __user *src, long count)
{
	long i;

	for (i = 0; i < count; i++) {
		const char __user *p = src + i;

		/* one check per page touched */
		if ((i == 0 || !((unsigned long)p & ~PAGE_MASK)) && !access_ok(VERIFY_READ, p, 1))
			return -EFAULT;
		dst[i] = *p;
		if (!dst[i])
			return i;
	}
	return count;
}
