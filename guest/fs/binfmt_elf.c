/*
 * fs/binfmt_elf.c: load_elf_binary() for the static i386 executables of guest/user (ET_EXEC, no
 * interpreter). Each PT_LOAD becomes a region of fresh pages holding a copy of its bytes (2.6.12 maps
 * the file instead and lets page faults read it in); then the stack, then the System V initial stack
 * contents (argc, argv, envp), then the point of no return and start_thread().
 */
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/elf.h>
#include <linux/binfmts.h>
#include <asm/ptrace.h>
#include <asm/uaccess.h>
#include <asm/system.h>

/* elf_check: a static 32-bit i386 executable whose program headers lie inside the image. */
static const Elf32_Phdr *elf_check(const struct user_program *prog)
{
	const Elf32_Ehdr *eh = prog->image;

	if (prog->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_type != ET_EXEC || eh->e_machine != EM_386 ||
	    eh->e_phentsize != sizeof(Elf32_Phdr) || !eh->e_phnum ||
	    eh->e_phoff > prog->size || eh->e_phnum * sizeof(Elf32_Phdr) > prog->size - eh->e_phoff)
		return NULL;
	return (const Elf32_Phdr *)((const char *)prog->image + eh->e_phoff);
}

/* map_segment: the region of a PT_LOAD, its file bytes copied in (the rest stays zero: the bss). */
static int map_segment(struct linux_binprm *bprm, const Elf32_Phdr *ph)
{
	unsigned long start = ph->p_vaddr & PAGE_MASK;
	unsigned long end = PAGE_ALIGN((unsigned long)ph->p_vaddr + ph->p_memsz);
	unsigned long flags = (ph->p_flags & PF_R ? VM_READ : 0) |
			      (ph->p_flags & PF_W ? VM_WRITE : 0) | (ph->p_flags & PF_X ? VM_EXEC : 0);
	int retval;

	if (ph->p_filesz > ph->p_memsz || ph->p_offset > bprm->prog->size ||
	    ph->p_filesz > bprm->prog->size - ph->p_offset || end < start)
		return -ENOEXEC;
	if (start < kernel_map_end) {
		printk(KERN_ERR "exec: %s: segment at 0x%08lx lies in the kernel's identity map of RAM (below 0x%08lx)\n",
		       bprm->prog->name, (unsigned long)ph->p_vaddr, kernel_map_end);
		return -ENOMEM;
	}
	retval = do_mmap_anonymous(bprm->mm, start, end - start, flags);
	if (retval)
		return retval == -EINVAL ? -ENOEXEC : retval;
	if (ph->p_vaddr < (unsigned long)bprm->mm->start_code || !bprm->mm->start_code)
		bprm->mm->start_code = ph->p_vaddr;
	if (ph->p_flags & PF_W) {
		bprm->mm->start_data = ph->p_vaddr;
		bprm->mm->end_data = ph->p_vaddr + ph->p_filesz;
		bprm->mm->start_brk = bprm->mm->brk = end;
	} else {
		bprm->mm->end_code = ph->p_vaddr + ph->p_filesz;
	}
	return access_process_vm_write(bprm->mm, ph->p_vaddr,
				       (const char *)bprm->prog->image + ph->p_offset, ph->p_filesz);
}

/*
 * create_elf_tables: the stack a System V i386 process starts with, from the top: the strings, then
 * (16-byte aligned) argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL. bprm->p = where argc is.
 */
static int create_elf_tables(struct linux_binprm *bprm)
{
	unsigned long strings = (STACK_TOP - bprm->strings) & ~3UL;
	unsigned long table[MAX_ARG_STRINGS + 3];
	unsigned long nwords = bprm->argc + bprm->envc + 3, str = strings;
	int i, n = 0;

	table[n++] = bprm->argc;
	for (i = 0; i < bprm->argc + bprm->envc; i++) {
		if (i == bprm->argc)
			table[n++] = 0;
		table[n++] = str;
		str += strlen(bprm->page + (str - strings)) + 1;
	}
	if (!bprm->envc)
		table[n++] = 0;
	table[n++] = 0;
	BUG_ON((unsigned long)n != nwords);
	bprm->p = (strings - nwords * sizeof(long)) & ~15UL;
	if (access_process_vm_write(bprm->mm, strings, bprm->page, bprm->strings))
		return -EFAULT;
	return access_process_vm_write(bprm->mm, bprm->p, table, nwords * sizeof(long));
}

/*
 * start_thread: the new program's registers (2.6.12's start_thread plus ELF_PLAT_INIT): user
 * segments, entry point, stack, every general register 0, and EFLAGS with only IF (later kernels set
 * it too; 2.6.12 keeps the caller's).
 */
static void start_thread(struct pt_regs *regs, unsigned long eip, unsigned long esp)
{
	loadsegment(fs, 0);
	loadsegment(gs, 0);
	current->thread.fs = current->thread.gs = 0;
	set_fs(USER_DS);
	regs->ebx = regs->ecx = regs->edx = regs->esi = regs->edi = regs->ebp = regs->eax = 0;
	regs->xds = __USER_DS;
	regs->xes = __USER_DS;
	regs->xss = __USER_DS;
	regs->xcs = __USER_CS;
	regs->eip = eip;
	regs->esp = esp;
	regs->eflags = X86_EFLAGS_IF | 0x2;
}

int load_elf_binary(struct linux_binprm *bprm, struct pt_regs *regs)
{
	const Elf32_Ehdr *eh = bprm->prog->image;
	const Elf32_Phdr *ph = elf_check(bprm->prog);
	int i, retval;

	if (!ph)
		return -ENOEXEC;
	bprm->mm = mm_alloc();
	if (!bprm->mm)
		return -ENOMEM;
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		retval = map_segment(bprm, ph + i);
		if (retval)
			return retval;
	}
	retval = do_mmap_anonymous(bprm->mm, STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
				   USER_STACK_PAGES * PAGE_SIZE, VM_READ | VM_WRITE | VM_GROWSDOWN);
	if (retval)
		return retval;
	bprm->mm->start_stack = STACK_TOP;
	retval = create_elf_tables(bprm);
	if (retval)
		return retval;
	printk(KERN_INFO "exec: pid %d (%s) runs %s: entry 0x%08lx, stack 0x%08lx, %d regions, %lu pages\n",
	       current->pid, current->comm, bprm->prog->name, (unsigned long)eh->e_entry, bprm->p,
	       bprm->mm->map_count, bprm->mm->rss);
	flush_old_exec(bprm);
	start_thread(regs, eh->e_entry, bprm->p);
	return 0;
}
