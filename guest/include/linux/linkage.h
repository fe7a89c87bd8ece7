/* linux/linkage.h + asm-i386/linkage.h: calling conventions shared with assembly. asmlinkage takes every
 * argument on the stack (entry.S pushes them); fastcall passes the first three in eax, edx, ecx. */
#ifndef _LINUX_LINKAGE_H
#define _LINUX_LINKAGE_H

#define asmlinkage	__attribute__((regparm(0)))
#define fastcall	__attribute__((regparm(3)))

#ifdef __ASSEMBLER__
#define ENTRY(name)	.globl name; .type name, @function; .p2align 4, 0x90; name:
#define END(name)	.size name, . - name
#endif

#endif
