/*
 * crt0.S: where a user program starts. exec (fs/binfmt_elf.c) leaves the System V i386 initial stack:
 * esp -> argc, argv[0..argc-1], NULL, envp[...], NULL, then the strings; every register but esp is 0.
 * _start calls main(argc, argv, envp) and exit()s with its result.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp			/* the outermost frame */
	movl (%esp), %eax		/* argc */
	leal 4(%esp), %ecx		/* argv */
	leal 8(%esp, %eax, 4), %edx	/* envp: past argv's NULL */
	pushl %edx
	pushl %ecx
	pushl %eax
	call main
	pushl %eax
	call exit
	.size _start, . - _start
