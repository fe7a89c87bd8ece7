/*
 * start.S: where /init and its programs start. The kernel's ELF loader (fs/binfmt_elf.c) leaves
 * the System V i386 initial stack: esp -> argc, argv[0..argc-1], NULL, envp[...], NULL. _start
 * calls main(argc, argv, envp) and exits with its result.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp			/* the outermost frame */
	movl (%esp), %eax		/* argc */
	leal 4(%esp), %ecx		/* argv */
	leal 8(%esp, %eax, 4), %edx	/* envp: past argv's NULL */
	andl $-16, %esp			/* the ABI's call alignment */
	subl $4, %esp
	pushl %edx
	pushl %ecx
	pushl %eax
	call main
	movl %eax, %ebx			/* exit(main's result) */
1:	movl $1, %eax			/* __NR_exit */
	int $0x80
	jmp 1b
	.size _start, . - _start
